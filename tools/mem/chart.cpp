#include "chart.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "report.hpp"
#include "units.hpp"

namespace orchestrix::tools {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A gnuplot single-quoted string ('' stands for one quote).
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (const char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string terminal_for(const std::string& path, int width, int height) {
  if (ends_with(path, ".svg")) {
    return fmt::format("set terminal svg size {},{} noenhanced font 'sans,11' background '#ffffff'",
                       width, height);
  }
  return fmt::format("set terminal pngcairo size {},{} noenhanced font 'sans,10'", width, height);
}

bool gnuplot_on_path() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && ::access((fs::path(dir) / "gnuplot").c_str(), X_OK) == 0) return true;
  }
  return false;
}

// Writes the files (name -> text) to a fresh directory, runs gnuplot on "plot.gp" there, and
// removes the directory.
std::string run_gnuplot(const std::vector<std::pair<std::string, std::string>>& files,
                        const std::string& output) {
  std::string pattern = (fs::temp_directory_path() / "orchestrix-mem-chart.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return "could not create a temporary directory";
  const fs::path dir(pattern);
  for (const auto& [name, text] : files) std::ofstream(dir / name) << text;
  const std::string cmd = fmt::format("cd '{}' && gnuplot plot.gp 2>gnuplot.err", dir.string());
  const int status = std::system(cmd.c_str());
  std::string error;
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream err(dir / "gnuplot.err");
    std::stringstream text;
    text << err.rdbuf();
    error = "gnuplot failed writing " + output + ": " + text.str().substr(0, 500);
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return error;
}

std::string absolute(const std::string& path) { return fs::absolute(path).string(); }

}  // namespace

std::string chart_precondition(const std::string& path) {
  if (!ends_with(path, ".svg") && !ends_with(path, ".png")) {
    return "--chart '" + path + "': the file name must end in .svg or .png";
  }
  if (!gnuplot_on_path()) {
    return "--chart needs gnuplot, which is not on PATH: install the Debian package gnuplot-nox "
           "(tools/dev setup does)";
  }
  return {};
}

std::string draw_budget_chart(const std::string& path, const RunResult& r) {
  std::ostringstream categories;
  r.store.for_each_field([&](std::string_view name, std::string_view, std::uint64_t bytes) {
    if (bytes > 0) fmt::print(categories, "{} {}\n", name, bytes);
  });
  std::ostringstream samples;
  for (const Sample& s : r.samples) {
    fmt::print(samples, "{} {} {} {}\n", s.events, s.held_bytes,
               s.held_bytes - std::min(s.held_bytes, s.waste_bytes), s.rss_bytes);
  }
  if (r.samples.empty()) samples << "0 0 0 0\n";
  std::ostringstream gp;
  fmt::print(gp, "{}\nset output {}\n", terminal_for(path, 1000, 900), quoted(absolute(path)));
  fmt::print(
      gp,
      "set multiplot layout 2,1 title {}\n"
      "set style data histograms\nset style fill solid 0.8 border -1\nset boxwidth 0.8\n"
      "set grid ytics\nset yrange [0:*]\nset xtics rotate by -25 nomirror\nset ylabel 'MB (10^6 "
      "bytes)'\n"
      "set title 'Store bytes by category at the end of the load'\n"
      "plot 'categories.dat' using ($2/1e6):xtic(1) title 'bytes by category'\n"
      "set style data lines\nset xtics norotate\nset xlabel 'events appended'\n"
      "set title 'Held and RSS over the run'\nset key top left\n"
      "plot 'samples.dat' using 1:($2/1e6) lw 2 title 'held (instrumented)', "
      "'' using 1:($3/1e6) lw 2 title 'live (held - dead - slack - retired)', "
      "'' using 1:($4/1e6) lw 2 title 'RSS growth'\n"
      "unset multiplot\n",
      quoted(fmt::format("orchestrix-mem budget: {} {} events on {} (malloc {})", r.config.events,
                         r.config.workload, r.config.resource, r.malloc_name)));
  return run_gnuplot(
      {{"categories.dat", categories.str()}, {"samples.dat", samples.str()}, {"plot.gp", gp.str()}},
      path);
}

std::string draw_swap_chart(const std::string& path, const std::vector<SwapOutcome>& outcomes) {
  std::ostringstream data;
  for (const SwapOutcome& o : outcomes) {
    if (!o.ok) continue;
    const RunResult& r = o.result;
    const std::uint64_t n = r.store.live_events;
    const std::uint64_t rss = r.hwm_delta_bytes.value_or(0);
    fmt::print(data, "{} {:.3f} {:.3f} {:.3f} {:.3f} {:.4f}\n", o.candidate.name,
               r.store.bytes_per_event(), per_event(rss, n), mb(rss),
               mb(r.held_from_os_bytes.value_or(0)),
               million_per_second(r.events_appended, r.append_seconds));
  }
  if (data.str().empty()) return "no allocator run succeeded: nothing to chart";
  std::ostringstream gp;
  fmt::print(gp, "{}\nset output {}\n", terminal_for(path, 1200, 500), quoted(absolute(path)));
  gp << "set multiplot layout 1,3 title 'orchestrix-mem swap: each allocator in its own "
        "process'\n"
        "set style data histograms\nset style histogram clustered gap 1\n"
        "set style fill solid 0.8 border -1\nset grid ytics\nset yrange [0:*]\n"
        "set xtics rotate by -30 nomirror\n"
        "set key top left\n"
        "set title 'Bytes per event'\n"
        "plot 'swap.dat' using 2:xtic(1) title 'store bytes per event', '' using 3 title "
        "'peak RSS bytes per event'\n"
        "set title 'MB (10^6 bytes)'\n"
        "plot 'swap.dat' using 4:xtic(1) title 'peak RSS', '' using 5 title 'held from the OS'\n"
        "set title 'Append throughput'\n"
        "plot 'swap.dat' using 6:xtic(1) title 'M events/s'\n"
        "unset multiplot\n";
  return run_gnuplot({{"swap.dat", data.str()}, {"plot.gp", gp.str()}}, path);
}

}  // namespace orchestrix::tools
