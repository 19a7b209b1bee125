#pragma once
// A minimal SVG plot frame: linear axes with "nice" ticks, so report charts need no scripts.
#include <string>
#include <vector>

namespace nas {

/// Ticks at 1, 2 or 5 x 10^k steps covering [lo, hi], about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

/// Escapes &, <, >, " and ' for HTML/SVG text and attribute values.
std::string xml_escape(const std::string& s);

class SvgPlot {
 public:
  struct Range {
    double lo;
    double hi;
  };
  /// The ranges are widened to whole ticks (and made non-empty) so points never sit on the frame.
  SvgPlot(int width, int height, Range x, Range y, std::string x_label, std::string y_label);

  double px(double x) const;
  double py(double y) const;
  /// Opening <svg> with a <title> (tooltip, screen readers), plot frame, grid, tick labels and axis
  /// labels.
  std::string begin(const std::string& title, const std::string& css_class) const;
  std::string end() const { return "</svg>\n"; }
  /// A legend entry at row `row` right of the plot area; `mark` is SVG drawn around (0, 0).
  std::string legend(int row, const std::string& mark, const std::string& text) const;

 private:
  int width_, height_;
  Range x_, y_;
  std::vector<double> x_ticks_, y_ticks_;
  std::string x_label_, y_label_;
  static constexpr int kLeft = 70, kTop = 20, kBottom = 55, kRight = 190;
};

}  // namespace nas
