// Typed exceptions thrown by the astrom3 library. Only the CLI's main() turns them into
// exit codes (docs/cli.md): ConfigError -> 2, DataError -> 3, anything else -> 1.
#pragma once

#include <stdexcept>
#include <string>

namespace astrom3 {

/// Base class of every error astrom3 throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Invalid configuration or usage: unknown key, wrong type, value out of range, bad flag value.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// Invalid, corrupt or inconsistent input data. The message names the file, the HDF5 object,
/// the object id and the field where these are known.
class DataError : public Error {
 public:
  using Error::Error;
};

}  // namespace astrom3
