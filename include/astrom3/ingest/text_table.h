// Parsers for the text formats astrom3 imports: comma-separated tables with a header row
// (RFC 4180 quoting, CRLF or LF, an optional UTF-8 byte-order mark) and whitespace-separated
// numeric tables (ASAS-SN light curves). Every error is a DataError that names the source and
// the 1-based line, so a user can open the file at the offending row.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace astrom3::ingest {

/// A CSV file parsed into strings. Every row has exactly header.size() fields.
struct CsvTable {
  std::string source;  // file name used in messages
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::int64_t> lines;  // 1-based line on which each row starts

  /// Column index by exact (trimmed) header name; -1 when absent.
  int column(const std::string& name) const;
  /// Like column() but throws DataError naming the file and the header it found.
  int require_column(const std::string& name) const;
  /// "file:line" of a row, for messages.
  std::string where(std::size_t row) const;
};

/// Parses CSV text. Throws DataError on an unterminated quote, a row whose field count differs
/// from the header's, an empty or duplicated header name, or text without a header row.
CsvTable parse_csv(std::string_view text, const std::string& source);
/// Reads and parses a CSV file (DataError if it cannot be read).
CsvTable read_csv_file(const std::filesystem::path& path);

/// Outcome of parsing one numeric field.
enum class NumberParse { kOk, kEmpty, kInvalid };

/// Parses a decimal number with optional surrounding blanks and a leading '+'; "nan" and
/// "inf" are accepted (callers decide whether non-finite values are allowed).
NumberParse parse_number(std::string_view text, double& value);

/// The number in cell (row, col). An empty cell gives NaN when `allow_empty`, otherwise a
/// DataError; a non-numeric cell always gives a DataError "file:line: column NAME: 'x' is not
/// a number".
double csv_number(const CsvTable& table, std::size_t row, int col, bool allow_empty);

/// A whitespace-separated numeric table, row-major with `columns` values per row.
struct NumericTable {
  std::int64_t columns = 0;
  std::vector<double> values;
  std::vector<std::int64_t> lines;  // 1-based source line of each row
  std::int64_t rows() const {
    return columns ? static_cast<std::int64_t>(values.size()) / columns : 0;
  }
  double at(std::int64_t row, std::int64_t col) const { return values[row * columns + col]; }
};

/// Skips `skip_lines` header lines, then blank lines and lines starting with '#'; every other
/// line must hold at least `columns` numeric fields (further fields are ignored). Throws a
/// DataError naming source and line otherwise.
NumericTable parse_whitespace_table(std::string_view text, const std::string& source,
                                    int skip_lines, int columns);

/// Whole file as bytes (DataError naming the path if it cannot be read).
std::string read_file_bytes(const std::filesystem::path& path);

/// Shortest text that reads back as exactly `value` (std::to_chars); "nan" for NaN.
std::string format_number(double value);

/// `field` quoted for CSV when it holds a comma, quote, CR or LF.
std::string csv_field(const std::string& field);

/// `text` padded with spaces to `width` characters, never truncated (printf's "%-Ns"); for the
/// terminal tables of the analysis commands.
std::string left_justified(const std::string& text, std::size_t width);

}  // namespace astrom3::ingest
