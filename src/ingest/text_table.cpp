#include "astrom3/ingest/text_table.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "astrom3/common/error.h"

namespace astrom3::ingest {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Printable excerpt of a bad field for an error message.
std::string excerpt(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 40)) {
    out +=
        (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f) ? c : '?';
  }
  if (s.size() > 40) out += "...";
  return out;
}

}  // namespace

int CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

int CsvTable::require_column(const std::string& name) const {
  const int c = column(name);
  if (c < 0) {
    std::string have;
    for (std::size_t i = 0; i < header.size() && i < 12; ++i) have += (i ? ", " : "") + header[i];
    if (header.size() > 12) have += ", ...";
    throw DataError(source + ":1: missing column '" + name + "' (header has: " + have + ")");
  }
  return c;
}

std::string CsvTable::where(std::size_t row) const {
  return source + ":" + std::to_string(lines.at(row));
}

CsvTable parse_csv(std::string_view text, const std::string& source) {
  CsvTable t;
  t.source = source;
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::size_t pos = 0;
  std::int64_t line = 1;
  const auto fail = [&](std::int64_t at, const std::string& what) {
    throw DataError(source + ":" + std::to_string(at) + ": " + what);
  };
  // Reads one record starting at `pos`; returns false at end of text.
  std::vector<std::string> fields;
  auto read_record = [&](std::int64_t& start_line) -> bool {
    fields.clear();
    // Blank lines between records carry no data.
    while (pos < text.size() && (text[pos] == '\n' || text[pos] == '\r')) {
      if (text[pos] == '\n') ++line;
      ++pos;
    }
    if (pos >= text.size()) return false;
    start_line = line;
    std::string field;
    bool quoted = false, was_quoted = false;
    while (pos < text.size()) {
      const char c = text[pos];
      if (quoted) {
        if (c == '"') {
          if (pos + 1 < text.size() && text[pos + 1] == '"') {
            field += '"';
            pos += 2;
            continue;
          }
          quoted = false;
          ++pos;
          continue;
        }
        if (c == '\n') ++line;
        field += c;
        ++pos;
        continue;
      }
      if (c == '"' && trim(field).empty()) {
        quoted = was_quoted = true;
        field.clear();
        ++pos;
        continue;
      }
      if (c == ',') {
        fields.push_back(was_quoted ? field : std::string(trim(field)));
        field.clear();
        was_quoted = false;
        ++pos;
        continue;
      }
      if (c == '\n' || c == '\r') break;
      if (c == '\0') fail(line, "NUL byte in text (is this a binary file?)");
      field += c;
      ++pos;
    }
    if (quoted) fail(start_line, "unterminated quoted field");
    fields.push_back(was_quoted ? field : std::string(trim(field)));
    return true;
  };

  std::int64_t start = 0;
  if (!read_record(start)) fail(1, "empty file: expected a header row");
  t.header = fields;
  std::set<std::string> seen;
  for (const auto& h : t.header) {
    if (h.empty()) fail(start, "empty column name in the header");
    if (!seen.insert(h).second) fail(start, "column '" + h + "' appears twice in the header");
  }
  while (read_record(start)) {
    if (fields.size() != t.header.size()) {
      fail(start, "expected " + std::to_string(t.header.size()) +
                      " fields (as in the header), found " + std::to_string(fields.size()));
    }
    t.rows.push_back(fields);
    t.lines.push_back(start);
  }
  return t;
}

CsvTable read_csv_file(const std::filesystem::path& path) {
  return parse_csv(read_file_bytes(path), path.string());
}

NumberParse parse_number(std::string_view text, double& value) {
  text = trim(text);
  if (text.empty()) return NumberParse::kEmpty;
  if (text.front() == '+') text.remove_prefix(1);
  if (text.empty()) return NumberParse::kInvalid;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ptr != end) return NumberParse::kInvalid;
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves value untouched: strtod gives the IEEE result (inf, or 0 / subnormal).
    // The text is already known to be a well-formed number, so the locale cannot matter here.
    value = std::strtod(std::string(text).c_str(), nullptr);
    return NumberParse::kOk;
  }
  return ec == std::errc() ? NumberParse::kOk : NumberParse::kInvalid;
}

double csv_number(const CsvTable& table, std::size_t row, int col, bool allow_empty) {
  double v = 0.0;
  const auto& cell = table.rows[row][static_cast<std::size_t>(col)];
  switch (parse_number(cell, v)) {
    case NumberParse::kOk:
      return v;
    case NumberParse::kEmpty:
      if (allow_empty) return std::numeric_limits<double>::quiet_NaN();
      throw DataError(table.where(row) + ": column " + table.header[col] + ": empty value");
    case NumberParse::kInvalid:
      break;
  }
  throw DataError(table.where(row) + ": column " + table.header[col] + ": '" + excerpt(cell) +
                  "' is not a number");
}

NumericTable parse_whitespace_table(std::string_view text, const std::string& source,
                                    int skip_lines, int columns) {
  NumericTable t;
  t.columns = columns;
  std::size_t pos = 0;
  std::int64_t line = 0;
  while (pos < text.size()) {
    const std::size_t eol = text.find('\n', pos);
    const std::string_view row =
        text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++line;
    if (line <= skip_lines) continue;
    std::string_view rest = trim(row);
    if (rest.empty() || rest.front() == '#') continue;
    int found = 0;
    while (!rest.empty() && found < columns) {
      std::size_t cut = 0;
      while (cut < rest.size() && rest[cut] != ' ' && rest[cut] != '\t') ++cut;
      double v = 0.0;
      if (parse_number(rest.substr(0, cut), v) != NumberParse::kOk) {
        throw DataError(source + ":" + std::to_string(line) + ": field " +
                        std::to_string(found + 1) + ": '" + excerpt(rest.substr(0, cut)) +
                        "' is not a number");
      }
      t.values.push_back(v);
      ++found;
      rest = trim(rest.substr(cut));
    }
    if (found < columns) {
      throw DataError(source + ":" + std::to_string(line) + ": expected " +
                      std::to_string(columns) + " numeric fields, found " + std::to_string(found));
    }
    t.lines.push_back(line);
  }
  return t;
}

std::string read_file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path.string() + ": cannot open for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw DataError(path.string() + ": read error");
  return buffer.str();
}

std::string format_number(double value) {
  if (std::isnan(value)) return "nan";
  char buf[64];
  const auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, ec == std::errc() ? ptr : buf);
}

std::string csv_field(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string left_justified(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

}  // namespace astrom3::ingest
