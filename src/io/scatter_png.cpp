#include "astrom3/io/scatter_png.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>

#include "astrom3/common/atomic_file.h"
#include "astrom3/common/error.h"

namespace astrom3::io {
namespace {

// Tableau-like palette; groups beyond it reuse colours.
constexpr std::array<std::array<unsigned char, 3>, 10> kPalette = {{{31, 119, 180},
                                                                    {255, 127, 14},
                                                                    {44, 160, 44},
                                                                    {214, 39, 40},
                                                                    {148, 103, 189},
                                                                    {140, 86, 75},
                                                                    {227, 119, 194},
                                                                    {127, 127, 127},
                                                                    {188, 189, 34},
                                                                    {23, 190, 207}}};

// 5x7 glyphs, one byte per row (low 5 bits, bit 4 = leftmost column).
struct Glyph {
  char c;
  std::array<unsigned char, 7> rows;
};
constexpr Glyph kFont[] = {
    {'A', {14, 17, 17, 31, 17, 17, 17}}, {'B', {30, 17, 17, 30, 17, 17, 30}},
    {'C', {14, 17, 16, 16, 16, 17, 14}}, {'D', {30, 17, 17, 17, 17, 17, 30}},
    {'E', {31, 16, 16, 30, 16, 16, 31}}, {'F', {31, 16, 16, 30, 16, 16, 16}},
    {'G', {14, 17, 16, 23, 17, 17, 15}}, {'H', {17, 17, 17, 31, 17, 17, 17}},
    {'I', {14, 4, 4, 4, 4, 4, 14}},      {'J', {7, 2, 2, 2, 2, 18, 12}},
    {'K', {17, 18, 20, 24, 20, 18, 17}}, {'L', {16, 16, 16, 16, 16, 16, 31}},
    {'M', {17, 27, 21, 21, 17, 17, 17}}, {'N', {17, 17, 25, 21, 19, 17, 17}},
    {'O', {14, 17, 17, 17, 17, 17, 14}}, {'P', {30, 17, 17, 30, 16, 16, 16}},
    {'Q', {14, 17, 17, 17, 21, 18, 13}}, {'R', {30, 17, 17, 30, 20, 18, 17}},
    {'S', {15, 16, 16, 14, 1, 1, 30}},   {'T', {31, 4, 4, 4, 4, 4, 4}},
    {'U', {17, 17, 17, 17, 17, 17, 14}}, {'V', {17, 17, 17, 17, 17, 10, 4}},
    {'W', {17, 17, 17, 21, 21, 21, 10}}, {'X', {17, 17, 10, 4, 10, 17, 17}},
    {'Y', {17, 17, 10, 4, 4, 4, 4}},     {'Z', {31, 1, 2, 4, 8, 16, 31}},
    {'0', {14, 17, 19, 21, 25, 17, 14}}, {'1', {4, 12, 4, 4, 4, 4, 14}},
    {'2', {14, 17, 1, 2, 4, 8, 31}},     {'3', {31, 2, 4, 2, 1, 17, 14}},
    {'4', {2, 6, 10, 18, 31, 2, 2}},     {'5', {31, 16, 30, 1, 1, 17, 14}},
    {'6', {6, 8, 16, 30, 17, 17, 14}},   {'7', {31, 1, 2, 4, 8, 8, 8}},
    {'8', {14, 17, 17, 14, 17, 17, 14}}, {'9', {14, 17, 17, 15, 1, 2, 12}},
    {'-', {0, 0, 0, 31, 0, 0, 0}},       {'_', {0, 0, 0, 0, 0, 0, 31}},
    {'.', {0, 0, 0, 0, 0, 12, 12}},      {':', {0, 12, 12, 0, 12, 12, 0}},
    {'(', {2, 4, 8, 8, 8, 4, 2}},        {')', {8, 4, 2, 2, 2, 4, 8}},
    {'/', {1, 1, 2, 4, 8, 16, 16}},      {'%', {24, 25, 2, 4, 8, 19, 3}},
};

class Canvas {
 public:
  Canvas(int w, int h) : w_(w), h_(h), rgb_(static_cast<std::size_t>(w) * h * 3, 255) {}
  void put(int x, int y, const std::array<unsigned char, 3>& c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    auto* p = &rgb_[(static_cast<std::size_t>(y) * w_ + x) * 3];
    p[0] = c[0];
    p[1] = c[1];
    p[2] = c[2];
  }
  void disc(int cx, int cy, int r, const std::array<unsigned char, 3>& c) {
    for (int dy = -r; dy <= r; ++dy) {
      for (int dx = -r; dx <= r; ++dx) {
        if (dx * dx + dy * dy <= r * r) put(cx + dx, cy + dy, c);
      }
    }
  }
  void rect(int x0, int y0, int x1, int y1, const std::array<unsigned char, 3>& c) {
    for (int x = x0; x <= x1; ++x) put(x, y0, c), put(x, y1, c);
    for (int y = y0; y <= y1; ++y) put(x0, y, c), put(x1, y, c);
  }
  // Text at scale 2 (10x14 pixels per glyph plus spacing); lower case drawn as upper case.
  void text(int x, int y, const std::string& s, const std::array<unsigned char, 3>& c) {
    for (char ch : s) {
      const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      for (const auto& g : kFont) {
        if (g.c != u) continue;
        for (int row = 0; row < 7; ++row) {
          for (int col = 0; col < 5; ++col) {
            if (g.rows[row] & (16 >> col)) {
              for (int s2 = 0; s2 < 4; ++s2) put(x + col * 2 + s2 % 2, y + row * 2 + s2 / 2, c);
            }
          }
        }
      }
      x += 12;
    }
  }
  const std::vector<unsigned char>& rgb() const { return rgb_; }

 private:
  int w_, h_;
  std::vector<unsigned char> rgb_;
};

void chunk(std::string& out, const char* type, const std::string& data) {
  const auto n = static_cast<std::uint32_t>(data.size());
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((n >> s) & 0xff);
  const std::string body = std::string(type, 4) + data;
  out += body;
  const auto crc = static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
  for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((crc >> s) & 0xff);
}

std::string be32(std::uint32_t v) {
  std::string s;
  for (int k = 24; k >= 0; k -= 8) s += static_cast<char>((v >> k) & 0xff);
  return s;
}

}  // namespace

std::string encode_png(const std::vector<unsigned char>& rgb, int width, int height) {
  // Filter type 0 (none) before each row, then zlib.
  std::string raw;
  raw.reserve(static_cast<std::size_t>(height) * (width * 3 + 1));
  for (int y = 0; y < height; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(&rgb[static_cast<std::size_t>(y) * width * 3]),
               static_cast<std::size_t>(width) * 3);
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &size,
                reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                6) != Z_OK) {
    throw Error("PNG: compression failed");
  }
  packed.resize(size);
  std::string png = "\x89PNG\r\n\x1a\n";
  // IHDR: width, height, bit depth 8, colour type 2 (RGB), compression, filter, interlace.
  chunk(png, "IHDR", be32(width) + be32(height) + std::string("\x08\x02\x00\x00\x00", 5));
  chunk(png, "IDAT", packed);
  chunk(png, "IEND", "");
  return png;
}

void write_scatter_png(const std::filesystem::path& path, const ScatterPlot& p) {
  Canvas c(p.width, p.height);
  const int left = 30, top = 50, right = p.width - 190, bottom = p.height - 30;
  const std::array<unsigned char, 3> black = {0, 0, 0}, grey = {190, 190, 190};
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (std::size_t i = 0; i < p.x.size(); ++i) {
    if (!std::isfinite(p.x[i]) || !std::isfinite(p.y[i])) continue;
    x0 = std::min(x0, p.x[i]), x1 = std::max(x1, p.x[i]);
    y0 = std::min(y0, p.y[i]), y1 = std::max(y1, p.y[i]);
  }
  if (!(x1 > x0)) x0 -= 1, x1 += 1;
  if (!(y1 > y0)) y0 -= 1, y1 += 1;
  c.rect(left - 5, top - 5, right + 5, bottom + 5, black);
  // Grey points first so that the classes draw on top.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < p.x.size(); ++i) {
      if ((p.group[i] >= 0) != (pass == 1) || !std::isfinite(p.x[i])) continue;
      const int px = left + static_cast<int>((p.x[i] - x0) / (x1 - x0) * (right - left));
      const int py = bottom - static_cast<int>((p.y[i] - y0) / (y1 - y0) * (bottom - top));
      c.disc(px, py, 2, p.group[i] >= 0 ? kPalette[p.group[i] % kPalette.size()] : grey);
    }
  }
  c.text(left, 15, p.title, black);
  for (std::size_t g = 0; g < p.group_names.size(); ++g) {
    const int y = top + 10 + static_cast<int>(g) * 22;
    c.disc(right + 25, y + 6, 5, kPalette[g % kPalette.size()]);
    c.text(right + 38, y, p.group_names[g], black);
  }
  write_text_file_atomic(path, encode_png(c.rgb(), p.width, p.height));
}

}  // namespace astrom3::io
