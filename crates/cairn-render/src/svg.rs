//! Accessible charts as inline SVG strings, drawn on the server (no JavaScript, no typst).
//!
//! Each chart is `role="img"` with a `<title>` and `<desc>` referenced by `aria-labelledby`,
//! prints every label and value as text, and uses the GOV.UK palette (#1d70b8 on white is
//! 5.2:1, #0b0c0c text 19:1, #505a5f secondary text 7:1). Charts only have a `viewBox`, so
//! they scale to the width of their container; give the page a CSS rule for `.app-chart`
//! if a maximum width is wanted. No `style` attributes are used, so a strict
//! Content-Security-Policy does not block anything. Always show the data as a table too:
//! a chart summarises it, it does not replace it.
//!
//! All text is XML-escaped; characters XML 1.0 forbids are dropped.

use std::fmt::Write as _;

const BLUE: &str = "#1d70b8";
const INK: &str = "#0b0c0c";
const SECONDARY: &str = "#505a5f";
const GRID: &str = "#b1b4b6";
const FONT: &str = "Arial, Helvetica, sans-serif";

const WIDTH: f64 = 640.0;
const FONT_SIZE: f64 = 14.0;
/// Average advance at [`FONT_SIZE`], on the generous side (Arial is ~7, the DejaVu Sans a
/// browser may substitute ~8), for sizing the label column and truncating labels.
const CHAR_WIDTH: f64 = 8.0;
/// Visible title: 17px bold, wrapped at this many characters, one line per [`TITLE_LINE`].
const TITLE_CHARS: usize = 56;
const TITLE_LINE: f64 = 22.0;

/// A horizontal bar chart: one bar per category, value printed at the end of each bar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BarChart {
    /// Visible heading and accessible name.
    pub title: String,
    /// Accessible description: say what the chart shows and its main finding.
    pub description: String,
    /// "%" is printed after each value ("12%"); anything else (e.g. "children") is printed
    /// once, under the chart.
    pub unit: String,
    pub bars: Vec<Bar>,
}

/// One category of a [`BarChart`]. Negative and non-finite values draw no bar.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// A time series, drawn as a line with a marker at each point.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineChart {
    /// Visible heading and accessible name.
    pub title: String,
    /// Accessible description: say what the chart shows and its main finding.
    pub description: String,
    /// As for [`BarChart::unit`].
    pub unit: String,
    /// (x-axis label such as "Apr 2026", value), in order.
    pub points: Vec<(String, f64)>,
}

/// Renders a horizontal bar chart as an `<svg>` element.
pub fn bar_chart(chart: &BarChart) -> String {
    let id = chart_id("bar", &chart.title, &chart.description, chart.bars.len());
    let label_width = chart
        .bars
        .iter()
        .map(|b| text_width(&b.label))
        .fold(0.0, f64::max)
        .clamp(60.0, 260.0);
    let values: Vec<String> = chart
        .bars
        .iter()
        .map(|b| format_value(b.value, &chart.unit))
        .collect();
    let value_width = values
        .iter()
        .map(|v| v.chars().count() as f64 * 9.0) // bold
        .fold(0.0, f64::max)
        .max(24.0);

    let title = wrap(&chart.title, TITLE_CHARS);
    let top = title.len() as f64 * TITLE_LINE + 22.0;
    const BAR: f64 = 24.0;
    const GAP: f64 = 10.0;
    let plot_x = label_width + 12.0;
    let plot_width = (WIDTH - plot_x - value_width - 12.0).max(40.0);
    let caption = unit_caption(&chart.unit);
    let rows = chart.bars.len().max(1) as f64;
    let mut height = top + rows * (BAR + GAP);
    if caption.is_some() {
        height += 22.0;
    }

    let mut svg = open_svg(&id, height, &chart.title, &title, &chart.description);
    if chart.bars.is_empty() {
        no_data(&mut svg, top + 16.0);
    } else {
        let max = chart
            .bars
            .iter()
            .map(|b| bar_value(b.value))
            .fold(0.0, f64::max);
        // Baseline.
        let _ = write!(
            svg,
            r##"<line x1="{plot_x}" y1="{top}" x2="{plot_x}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>"##,
            top = top - 4.0,
            bottom = top + rows * (BAR + GAP) - GAP + 4.0,
        );
        for (i, (bar, value_text)) in chart.bars.iter().zip(&values).enumerate() {
            let y = top + i as f64 * (BAR + GAP);
            let text_y = y + BAR / 2.0 + FONT_SIZE * 0.35;
            let width = if max > 0.0 {
                bar_value(bar.value) / max * plot_width
            } else {
                0.0
            };
            let label = truncate(&bar.label, label_width);
            let _ = write!(
                svg,
                r##"<g class="app-chart__bar"><text x="0" y="{text_y:.1}" fill="{INK}">{label}</text><rect x="{plot_x}" y="{y:.1}" width="{width:.1}" height="{BAR}" fill="{BLUE}"/><text x="{vx:.1}" y="{text_y:.1}" fill="{INK}" font-weight="bold">{value}</text></g>"##,
                label = escape(&label),
                vx = plot_x + width + 6.0,
                value = escape(value_text),
            );
        }
        if let Some(caption) = caption {
            let _ = write!(
                svg,
                r##"<text x="{plot_x}" y="{y:.1}" fill="{SECONDARY}">{caption}</text>"##,
                y = height - 8.0,
                caption = escape(&caption),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Renders a line chart of a time series as an `<svg>` element.
pub fn line_chart(chart: &LineChart) -> String {
    let id = chart_id("line", &chart.title, &chart.description, chart.points.len());
    let title = wrap(&chart.title, TITLE_CHARS);
    let top = title.len() as f64 * TITLE_LINE + 30.0;
    const PLOT_HEIGHT: f64 = 220.0;
    const RIGHT: f64 = 24.0;
    let caption = unit_caption(&chart.unit);
    let plot_bottom = top + PLOT_HEIGHT;
    let mut height = plot_bottom + 36.0;
    if caption.is_some() {
        height += 22.0;
    }
    let mut svg = open_svg(&id, height, &chart.title, &title, &chart.description);
    if chart.points.is_empty() {
        no_data(&mut svg, top + 16.0);
        svg.push_str("</svg>");
        return svg;
    }

    let finite = chart.points.iter().map(|p| p.1).filter(|v| v.is_finite());
    let (min, max) = finite.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let ticks = nice_ticks(min, max);
    let (axis_min, axis_max) = match (ticks.first(), ticks.last()) {
        (Some(lo), Some(hi)) if hi > lo => (*lo, *hi),
        _ => (0.0, 1.0),
    };
    let tick_labels: Vec<String> = ticks
        .iter()
        .map(|t| format_value(*t, &chart.unit))
        .collect();
    let left = tick_labels
        .iter()
        .map(|l| text_width(l) + 14.0)
        .fold(48.0, f64::max);
    let plot_width = WIDTH - left - RIGHT;
    let y_of = |v: f64| plot_bottom - (v - axis_min) / (axis_max - axis_min) * PLOT_HEIGHT;
    let n = chart.points.len();
    // Points sit inside the plot by half a label so the outer x-axis labels fit.
    let widest = chart
        .points
        .iter()
        .map(|p| text_width(&p.0))
        .fold(0.0, f64::max)
        + 12.0;
    let inset = (widest / 2.0).clamp(12.0, 60.0);
    let slot = if n > 1 {
        (plot_width - 2.0 * inset) / (n - 1) as f64
    } else {
        plot_width
    };
    let x_of = |i: usize| {
        if n == 1 {
            left + plot_width / 2.0
        } else {
            left + inset + i as f64 * slot
        }
    };

    // Gridlines and y-axis values.
    for (tick, label) in ticks.iter().zip(&tick_labels) {
        let y = y_of(*tick);
        let colour = if *tick == 0.0 { INK } else { GRID };
        let _ = write!(
            svg,
            r##"<line x1="{left:.1}" y1="{y:.1}" x2="{x2}" y2="{y:.1}" stroke="{colour}" stroke-width="1"/><text x="{tx:.1}" y="{ty:.1}" text-anchor="end" fill="{SECONDARY}">{label}</text>"##,
            x2 = WIDTH - RIGHT,
            tx = left - 8.0,
            ty = y + FONT_SIZE * 0.35,
            label = escape(label),
        );
    }

    // X-axis labels: as many as fit without overlapping, counting back from the latest.
    let every = ((widest / slot).ceil() as usize).max(1);
    for (i, (label, _)) in chart.points.iter().enumerate() {
        if (n - 1 - i).is_multiple_of(every) {
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{y:.1}" text-anchor="middle" fill="{SECONDARY}">{label}</text>"##,
                x = x_of(i),
                y = plot_bottom + 22.0,
                label = escape(label),
            );
        }
    }

    // The line, then markers (unless crowded) and values (the latest one, or all when few).
    let path: Vec<String> = chart
        .points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.1.is_finite())
        .map(|(i, p)| format!("{:.1},{:.1}", x_of(i), y_of(p.1)))
        .collect();
    if path.len() > 1 {
        let _ = write!(
            svg,
            r##"<polyline points="{}" fill="none" stroke="{BLUE}" stroke-width="3" stroke-linejoin="round"/>"##,
            path.join(" ")
        );
    }
    let show_markers = n <= 24;
    let show_values = n <= 12;
    for (i, (_, value)) in chart.points.iter().enumerate() {
        if !value.is_finite() {
            continue;
        }
        let (x, y) = (x_of(i), y_of(*value));
        if show_markers || n == 1 {
            let _ = write!(
                svg,
                r##"<circle cx="{x:.1}" cy="{y:.1}" r="4.5" fill="{BLUE}" stroke="#ffffff" stroke-width="1.5"/>"##
            );
        }
        if show_values || i == n - 1 {
            let label = format_value(*value, &chart.unit);
            let half = label.chars().count() as f64 * 9.0 / 2.0;
            let anchor = if x + half > WIDTH {
                "end"
            } else if x - half < 0.0 {
                "start"
            } else {
                "middle"
            };
            let _ = write!(
                svg,
                r##"<text x="{x:.1}" y="{ty:.1}" text-anchor="{anchor}" fill="{INK}" font-weight="bold">{label}</text>"##,
                ty = y - 10.0,
                label = escape(&label),
            );
        }
    }
    if let Some(caption) = caption {
        let _ = write!(
            svg,
            r##"<text x="{left:.1}" y="{y:.1}" fill="{SECONDARY}">{caption}</text>"##,
            y = height - 8.0,
            caption = escape(&caption),
        );
    }
    svg.push_str("</svg>");
    svg
}

fn open_svg(
    id: &str,
    height: f64,
    title: &str,
    title_lines: &[String],
    description: &str,
) -> String {
    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="app-chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{id}-title {id}-desc" font-family="{FONT}" font-size="{FONT_SIZE}"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc><rect width="100%" height="100%" fill="#ffffff"/>"##,
        title = escape(title),
        desc = escape(description),
    );
    // The visible title repeats the accessible name, so hide it from the accessibility tree.
    svg.push_str(r##"<g aria-hidden="true">"##);
    for (i, line) in title_lines.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="0" y="{y}" font-size="17" font-weight="bold" fill="{INK}">{line}</text>"##,
            y = 18.0 + i as f64 * TITLE_LINE,
            line = escape(line),
        );
    }
    svg.push_str("</g>");
    svg
}

/// Splits `text` into lines of at most `width` characters at spaces (a longer word gets a
/// line to itself).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn no_data(svg: &mut String, y: f64) {
    let _ = write!(
        svg,
        r##"<text x="0" y="{y}" fill="{SECONDARY}">No data</text>"##
    );
}

/// A stable id from the chart's content, so pages render identically each time; two charts
/// on one page need different titles or descriptions.
fn chart_id(kind: &str, title: &str, description: &str, len: usize) -> String {
    // FNV-1a, 64-bit.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in title
        .bytes()
        .chain([0])
        .chain(description.bytes())
        .chain(len.to_le_bytes())
    {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("chart-{kind}-{hash:016x}")
}

fn bar_value(v: f64) -> f64 {
    if v.is_finite() { v.max(0.0) } else { 0.0 }
}

fn unit_caption(unit: &str) -> Option<String> {
    let unit = unit.trim();
    (!unit.is_empty() && unit != "%").then(|| format!("Values in {unit}"))
}

fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * CHAR_WIDTH
}

/// Shortens a label to fit `width`, ending it with "…".
fn truncate(label: &str, width: f64) -> String {
    let max_chars = (width / CHAR_WIDTH).floor().max(4.0) as usize;
    if label.chars().count() <= max_chars {
        label.to_owned()
    } else {
        let mut s: String = label.chars().take(max_chars - 1).collect();
        s.push('…');
        s
    }
}

/// "1,234", "12.5", "40%"; "n/a" for NaN or infinity.
fn format_value(v: f64, unit: &str) -> String {
    if !v.is_finite() {
        return "n/a".to_owned();
    }
    let rounded = (v * 10.0).round() / 10.0;
    let text = if rounded.fract() == 0.0 {
        group_thousands(&format!("{rounded:.0}"))
    } else {
        let s = format!("{rounded:.1}");
        match s.split_once('.') {
            Some((whole, fraction)) => format!("{}.{fraction}", group_thousands(whole)),
            None => s,
        }
    };
    // Avoid "-0".
    let text = if text == "-0" { "0".to_owned() } else { text };
    if unit.trim() == "%" {
        format!("{text}%")
    } else {
        text
    }
}

fn group_thousands(digits: &str) -> String {
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// Evenly spaced round numbers covering `min..=max` (always including 0).
fn nice_ticks(min: f64, max: f64) -> Vec<f64> {
    let (min, max) = (min.min(0.0), max.max(0.0));
    if max - min <= 0.0 {
        return vec![0.0, 1.0];
    }
    let raw_step = (max - min) / 5.0;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw_step)
        .unwrap_or(10.0 * magnitude);
    let start = (min / step).floor() as i64;
    let end = (max / step).ceil() as i64;
    (start..=end).map(|i| i as f64 * step).collect()
}

/// Escapes text for XML content and attribute values; drops characters XML 1.0 forbids.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(items: &[(&str, f64)]) -> BarChart {
        BarChart {
            title: "Referrals by source".into(),
            description: "Police made the most referrals.".into(),
            unit: "referrals".into(),
            bars: items
                .iter()
                .map(|(l, v)| Bar {
                    label: (*l).into(),
                    value: *v,
                })
                .collect(),
        }
    }

    #[test]
    fn bar_chart_is_accessible_and_draws_one_bar_per_item() {
        let svg = bar_chart(&bars(&[
            ("Police", 120.0),
            ("Schools", 95.0),
            ("Health", 40.5),
        ]));
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(r##"role="img""##));
        assert!(svg.contains("<title id=\"chart-bar-"));
        assert!(svg.contains(">Referrals by source</title>"));
        assert!(svg.contains(">Police made the most referrals.</desc>"));
        let id = svg
            .split("<title id=\"")
            .nth(1)
            .and_then(|s| s.split("-title\"").next())
            .unwrap_or_default();
        assert!(svg.contains(&format!(r##"aria-labelledby="{id}-title {id}-desc""##)));
        assert_eq!(
            svg.matches("<rect ").count() - 1,
            3,
            "one background rect + bars"
        );
        assert_eq!(svg.matches(r##"class="app-chart__bar""##).count(), 3);
        assert!(svg.contains(">120</text>"));
        assert!(svg.contains(">40.5</text>"));
        assert!(svg.contains("Values in referrals"));
        assert!(svg.contains(r##"viewBox="0 0 640 "##));
        assert!(
            !svg.contains(" width=\"640\""),
            "responsive: no fixed width"
        );
        assert!(!svg.contains("style="));
        assert!(svg.contains(r##"fill="#1d70b8""##) && svg.contains(r##"fill="#0b0c0c""##));
    }

    #[test]
    fn bar_chart_escapes_labels_and_titles() {
        let mut chart = bars(&[("<script>alert(1)</script>", 3.0), ("A & B \"q\" 'x'", 1.0)]);
        chart.title = "<b>title</b>".into();
        chart.description = "desc </desc><script>x</script>".into();
        let svg = bar_chart(&chart);
        assert!(!svg.contains("<script"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("&lt;b&gt;title&lt;/b&gt;"));
        assert!(svg.contains("desc &lt;/desc&gt;&lt;script&gt;x&lt;/script&gt;"));
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.contains("A &amp; B &quot;q&quot; &#39;x&#39;"));
        assert_eq!(svg.matches("<desc").count(), 1);
    }

    #[test]
    fn empty_and_zero_data() {
        let svg = bar_chart(&bars(&[]));
        assert!(svg.contains(">No data</text>"));
        assert!(svg.contains("<title id="));
        assert!(svg.contains("<desc id="));
        assert!(!svg.contains("NaN"));

        let svg = bar_chart(&bars(&[("A", 0.0), ("B", 0.0)]));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert_eq!(svg.matches(r##"width="0.0""##).count(), 2);
        assert_eq!(svg.matches(">0</text>").count(), 2);

        let svg = bar_chart(&bars(&[("A", f64::NAN), ("B", -3.0), ("C", f64::INFINITY)]));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        assert!(svg.contains(">n/a</text>"));
        assert!(svg.contains(">-3</text>"));
    }

    #[test]
    fn line_chart_draws_points_and_handles_empty_data() {
        let chart = LineChart {
            title: "Open cases".into(),
            description: "Open cases rose from 410 to 455 over six months.".into(),
            unit: "cases".into(),
            points: ["Jun", "Jul", "Aug", "Sep", "Oct", "Nov"]
                .iter()
                .zip([410.0, 418.0, 430.0, 428.0, 441.0, 455.0])
                .map(|(m, v)| ((*m).to_owned(), v))
                .collect(),
        };
        let svg = line_chart(&chart);
        assert!(svg.contains(r##"role="img""##));
        assert!(svg.contains(">Open cases</title>"));
        assert_eq!(svg.matches("<circle ").count(), 6);
        assert_eq!(svg.matches("<polyline ").count(), 1);
        assert!(svg.contains(">Jun</text>") && svg.contains(">Nov</text>"));
        assert!(svg.contains(">455</text>"));
        assert!(!svg.contains("NaN"));

        let empty = line_chart(&LineChart {
            points: vec![],
            ..chart.clone()
        });
        assert!(empty.contains(">No data</text>"));
        assert!(!empty.contains("<polyline"));

        let flat = line_chart(&LineChart {
            points: vec![("<Q1>".into(), 0.0), ("Q2".into(), 0.0)],
            ..chart
        });
        assert!(!flat.contains("NaN"));
        assert!(flat.contains("&lt;Q1&gt;"));
    }

    #[test]
    fn number_formatting() {
        assert_eq!(format_value(1234567.0, ""), "1,234,567");
        assert_eq!(format_value(-1234.56, ""), "-1,234.6");
        assert_eq!(format_value(12.0, "%"), "12%");
        assert_eq!(format_value(-0.01, ""), "0");
        assert_eq!(
            nice_ticks(0.0, 455.0),
            vec![0.0, 100.0, 200.0, 300.0, 400.0, 500.0]
        );
        assert_eq!(escape("a\u{1}b\u{0}c"), "abc");
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("", 5), Vec::<String>::new());
        assert_eq!(wrap("abcdefgh x", 5), vec!["abcdefgh", "x"]);
    }
}
