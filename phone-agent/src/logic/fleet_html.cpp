#include "logic/fleet_html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

namespace phone_agent {

namespace {

std::string escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string num(double v, int decimals = 1) {
    if (!std::isfinite(v)) v = 0;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string ms_label(double us) {
    char buf[32];
    if (us >= 1e6) std::snprintf(buf, sizeof buf, "%.2f s", us / 1e6);
    else std::snprintf(buf, sizeof buf, "%.1f ms", us / 1e3);
    return buf;
}

struct series {
    std::string label;
    std::string colour;
    std::vector<std::pair<double, double>> points;  // x, y
};

// A line chart: linear x, linear y from 0, four grid lines, a legend.
std::string line_chart(const std::string& title, const std::string& x_label,
                       const std::function<std::string(double)>& y_format, const std::vector<series>& lines,
                       bool log_x_percentile = false) {
    constexpr double w = 720, h = 260, left = 70, right = 20, top = 30, bottom = 40;
    double x_max = 0, y_max = 0;
    // Percentile axis: x = -log10(1 - p/100) so 90, 99, 99.9 are evenly spaced.
    auto x_of = [&](double x) { return log_x_percentile ? -std::log10(std::max(1e-5, 1 - x / 100)) : x; };
    for (const auto& s : lines) {
        for (auto [x, y] : s.points) {
            x_max = std::max(x_max, x_of(x));
            y_max = std::max(y_max, std::isfinite(y) ? y : 0.0);
        }
    }
    if (x_max <= 0) x_max = 1;
    if (y_max <= 0) y_max = 1;
    const auto px = [&](double x) { return left + (w - left - right) * x_of(x) / x_max; };
    const auto py = [&](double y) { return top + (h - top - bottom) * (1 - (std::isfinite(y) ? y : 0) / y_max); };
    std::string svg = "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w, 0) + "\" height=\"" +
                      num(h, 0) + "\" viewBox=\"0 0 " + num(w, 0) + " " + num(h, 0) + "\" role=\"img\">\n";
    svg += "<text x=\"" + num(left, 0) + "\" y=\"18\" font-weight=\"bold\">" + escape(title) + "</text>\n";
    for (int i = 0; i <= 4; ++i) {
        const double y = y_max * i / 4;
        svg += "<line x1=\"" + num(left) + "\" x2=\"" + num(w - right) + "\" y1=\"" + num(py(y)) + "\" y2=\"" +
               num(py(y)) + "\" stroke=\"#ddd\"/>";
        svg += "<text x=\"" + num(left - 6) + "\" y=\"" + num(py(y) + 4) + "\" text-anchor=\"end\" font-size=\"11\">" +
               escape(y_format(y)) + "</text>\n";
    }
    if (log_x_percentile) {
        for (double p : {0.0, 90.0, 99.0, 99.9, 99.99}) {
            if (x_of(p) > x_max) continue;
            svg += "<text x=\"" + num(px(p)) + "\" y=\"" + num(h - bottom + 16) +
                   "\" text-anchor=\"middle\" font-size=\"11\">p" + num(p, p >= 99.9 ? 2 : 0) + "</text>";
        }
    } else {
        for (int i = 0; i <= 4; ++i) {
            const double x = x_max * i / 4;
            svg += "<text x=\"" + num(px(x)) + "\" y=\"" + num(h - bottom + 16) +
                   "\" text-anchor=\"middle\" font-size=\"11\">" + num(x, 1) + "</text>";
        }
    }
    svg += "<text x=\"" + num((left + w - right) / 2) + "\" y=\"" + num(h - 6) +
           "\" text-anchor=\"middle\" font-size=\"12\">" + escape(x_label) + "</text>\n";
    double legend_x = left + 220;
    for (const auto& s : lines) {
        if (s.points.empty()) continue;
        std::string path;
        for (auto [x, y] : s.points) path += (path.empty() ? "M" : " L") + num(px(x)) + " " + num(py(y));
        svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + s.colour + "\" stroke-width=\"1.8\"/>\n";
        svg += "<rect x=\"" + num(legend_x) + "\" y=\"9\" width=\"12\" height=\"12\" fill=\"" + s.colour +
               "\"/><text x=\"" + num(legend_x + 16) + "\" y=\"19\" font-size=\"12\">" + escape(s.label) + "</text>\n";
        legend_x += 30 + 7.0 * static_cast<double>(s.label.size());
    }
    svg += "</svg></figure>\n";
    return svg;
}

}  // namespace

std::vector<double> spectrum_percentiles() {
    return {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 99.99, 100};
}

std::string render_fleet_html(const fleet_html_input& in) {
    std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(in.title) +
                       "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:60em}"
                       "pre{background:#f6f6f6;padding:1em;overflow-x:auto}figure{margin:1em 0}</style>"
                       "</head><body>\n<h1>" +
                       escape(in.title) + "</h1>\n<p><code>" + escape(in.command_line) + "</code></p>\n";
    html += "<h2>Summary</h2>\n<pre>" + escape(in.summary) + "</pre>\n";
    html += "<h2>Over time</h2>\n";
    if (in.timeline.empty()) {
        html += "<p>The run ended before the first progress interval.</p>\n";
    } else {
        series p50{"ttp p50", "#1f77b4", {}}, p99{"ttp p99", "#d62728", {}}, mx{"ttp max", "#999", {}};
        series rate{"requests/s", "#2ca02c", {}}, flight{"in flight", "#ff7f0e", {}};
        series done{"provisioned", "#1f77b4", {}}, failed{"failed", "#d62728", {}};
        for (const auto& p : in.timeline) {
            if (p.ttp_max_us > 0) {
                p50.points.emplace_back(p.t_s, static_cast<double>(p.ttp_p50_us));
                p99.points.emplace_back(p.t_s, static_cast<double>(p.ttp_p99_us));
                mx.points.emplace_back(p.t_s, static_cast<double>(p.ttp_max_us));
            }
            rate.points.emplace_back(p.t_s, p.requests_per_s);
            flight.points.emplace_back(p.t_s, static_cast<double>(p.in_flight));
            done.points.emplace_back(p.t_s, static_cast<double>(p.provisioned));
            failed.points.emplace_back(p.t_s, static_cast<double>(p.failed));
        }
        html += line_chart("Time to provisioned of the boots finishing each second", "seconds since start", ms_label,
                           {p50, p99, mx});
        html += line_chart("Throughput", "seconds since start", [](double v) { return num(v, 0); }, {rate, flight});
        html += line_chart("Boots finished (cumulative)", "seconds since start", [](double v) { return num(v, 0); },
                           {done, failed});
    }
    html += "<h2>Latency percentile spectra</h2>\n";
    static const char* colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};
    std::size_t drawn = 0;
    for (const auto& s : in.spectra) {
        if (s.points.empty()) continue;
        series line{s.name, colours[drawn++ % 6], {}};
        for (auto [q, v] : s.points) line.points.emplace_back(q, static_cast<double>(v));
        html += line_chart(s.name + " (microsecond samples, nearest rank)", "percentile", ms_label, {line}, true);
    }
    if (drawn == 0) html += "<p>No latency samples.</p>\n";
    html += "</body></html>\n";
    return html;
}

}  // namespace phone_agent
