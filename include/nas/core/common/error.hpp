#pragma once
// Typed errors thrown inside libnas. Executables catch them once in main, print one line and
// map them to an exit code with exit_code_for(); library code never calls exit().
#include <stdexcept>
#include <string>

namespace nas {

/// Base of every error libnas throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad input from the user: missing or corrupt files, invalid JSON, bad values. Exit code 2.
class InputError : public Error {
 public:
  using Error::Error;
};

/// Bad flags or flag combinations. Exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

/// Something failed while running (I/O errors while writing results, training failures that
/// end a whole command). Exit code 1.
class RuntimeFailure : public Error {
 public:
  using Error::Error;
};

/// A device that can no longer be trusted (a sticky CUDA error such as an illegal address, or a
/// lost device): every later trial on it would fail the same way, so the search ends with exit 1
/// instead, and can be resumed once the device is healthy. Exit code 1.
class DeviceFailure : public RuntimeFailure {
 public:
  using RuntimeFailure::RuntimeFailure;
};

/// The user asked us to stop (SIGINT/SIGTERM). Exit code 130.
class Interrupted : public Error {
 public:
  using Error::Error;
};

enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitInterrupted = 130 };

/// A number as a user would type it ("0.05", not std::to_string's "0.050000"), for messages.
std::string quote_number(double v);

/// The exit code an executable returns for an exception that reached main.
int exit_code_for(const std::exception& e);

}  // namespace nas
