#include "nas/svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "nas/text_table.hpp"

namespace nas {
namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A range of width zero (one point) or NaN would divide by zero when scaling.
SvgPlot::Range usable(SvgPlot::Range r) {
  if (!std::isfinite(r.lo) || !std::isfinite(r.hi)) return {0, 1};
  if (r.hi - r.lo <= 1e-12 * std::max(1.0, std::fabs(r.hi))) {
    const double pad = r.lo == 0 ? 1 : std::fabs(r.lo) * 0.05;
    return {r.lo - pad, r.hi + pad};
  }
  return r;
}

std::string tick_label(double v, double step) {
  // As many decimals as the step needs, so 0.05-steps read 0.05, 0.10 and 10-steps read 10, 20.
  const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
  return fixed(std::fabs(v) < step * 1e-9 ? 0.0 : v, decimals);
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  const auto r = usable({lo, hi});
  const double raw = (r.hi - r.lo) / std::max(target, 1);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  std::vector<double> ticks;
  // Multiples of an integer count, so the ticks do not drift (0.6000000001) as sums would.
  const long first = static_cast<long>(std::floor(r.lo / step + 1e-9));
  const long last = static_cast<long>(std::ceil(r.hi / step - 1e-9));
  for (long k = first; k <= last; ++k) ticks.push_back(static_cast<double>(k) * step);
  return ticks;
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

SvgPlot::SvgPlot(int width, int height, Range x, Range y, std::string x_label, std::string y_label)
    : width_(width), height_(height), x_label_(std::move(x_label)), y_label_(std::move(y_label)) {
  x_ticks_ = nice_ticks(x.lo, x.hi);
  y_ticks_ = nice_ticks(y.lo, y.hi);
  x_ = {x_ticks_.front(), x_ticks_.back()};
  y_ = {y_ticks_.front(), y_ticks_.back()};
}

double SvgPlot::px(double x) const {
  return kLeft + (x - x_.lo) / (x_.hi - x_.lo) * (width_ - kLeft - kRight);
}

double SvgPlot::py(double y) const {
  return height_ - kBottom - (y - y_.lo) / (y_.hi - y_.lo) * (height_ - kTop - kBottom);
}

std::string SvgPlot::begin(const std::string& title, const std::string& css_class) const {
  std::ostringstream o;
  const double left = kLeft, right = width_ - kRight, top = kTop, bottom = height_ - kBottom;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"" << css_class << "\" width=\"" << width_
    << "\" height=\"" << height_ << "\" viewBox=\"0 0 " << width_ << " " << height_
    << "\" role=\"img\">\n";
  o << "<title>" << xml_escape(title) << "</title>\n";
  const double x_step = x_ticks_.size() > 1 ? x_ticks_[1] - x_ticks_[0] : 1;
  const double y_step = y_ticks_.size() > 1 ? y_ticks_[1] - y_ticks_[0] : 1;
  for (double t : x_ticks_) {
    o << "<line class=\"grid\" x1=\"" << num(px(t)) << "\" y1=\"" << num(top) << "\" x2=\""
      << num(px(t)) << "\" y2=\"" << num(bottom) << "\"/>\n";
    o << "<text class=\"tick\" x=\"" << num(px(t)) << "\" y=\"" << num(bottom + 16)
      << "\" text-anchor=\"middle\">" << tick_label(t, x_step) << "</text>\n";
  }
  for (double t : y_ticks_) {
    o << "<line class=\"grid\" x1=\"" << num(left) << "\" y1=\"" << num(py(t)) << "\" x2=\""
      << num(right) << "\" y2=\"" << num(py(t)) << "\"/>\n";
    o << "<text class=\"tick\" x=\"" << num(left - 6) << "\" y=\"" << num(py(t) + 4)
      << "\" text-anchor=\"end\">" << tick_label(t, y_step) << "</text>\n";
  }
  o << "<rect class=\"frame\" x=\"" << num(left) << "\" y=\"" << num(top) << "\" width=\""
    << num(right - left) << "\" height=\"" << num(bottom - top) << "\"/>\n";
  o << "<text class=\"axis-label\" x=\"" << num((left + right) / 2) << "\" y=\""
    << num(height_ - 12) << "\" text-anchor=\"middle\">" << xml_escape(x_label_) << "</text>\n";
  o << "<text class=\"axis-label\" transform=\"translate(16 " << num((top + bottom) / 2)
    << ") rotate(-90)\" text-anchor=\"middle\">" << xml_escape(y_label_) << "</text>\n";
  return o.str();
}

std::string SvgPlot::legend(int row, const std::string& mark, const std::string& text) const {
  std::ostringstream o;
  const double x = width_ - kRight + 20, y = kTop + 12 + row * 22;
  o << "<g transform=\"translate(" << num(x) << " " << num(y) << ")\">" << mark << "</g>\n";
  o << "<text class=\"legend\" x=\"" << num(x + 14) << "\" y=\"" << num(y + 4) << "\">"
    << xml_escape(text) << "</text>\n";
  return o.str();
}

}  // namespace nas
