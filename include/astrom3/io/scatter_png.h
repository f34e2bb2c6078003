// A scatter plot written as PNG without a plotting library: points coloured by group, a legend
// with the group names (built-in 5x7 pixel font: letters, digits, '-', '_', '.', ' '), and a
// title. Used by `astrom3 map`; scripts/plot.py draws publication figures from the CSV.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace astrom3::io {

struct ScatterPlot {
  std::vector<double> x, y;
  std::vector<int> group;                // index into group_names; -1 = grey "other"
  std::vector<std::string> group_names;  // legend entries, in colour order
  std::string title;
  int width = 900, height = 700;
};

/// Writes an 8-bit RGB PNG atomically. Throws Error if the file cannot be written.
void write_scatter_png(const std::filesystem::path& path, const ScatterPlot& plot);

/// The PNG bytes of an RGB image (rows top to bottom, 3 bytes per pixel).
std::string encode_png(const std::vector<unsigned char>& rgb, int width, int height);

}  // namespace astrom3::io
