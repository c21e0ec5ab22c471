//! SVG figures (`--plots DIR`), drawn with plotters and no external program:
//! - per training run, the held-out estimate against the training step: the seeds' range as a
//!   band, their mean as a line, the truth and ln K as horizontal lines;
//! - per claim over a sweep (parts labelled `VAR=value`), each side's mean against the sweep
//!   variable with 95% intervals of the mean over seeds (the variable on a log2 axis when it
//!   spans a factor of 8 or more);
//! - per file, every estimate's mean against its run's true MI, with the seeds' spread and the
//!   line estimate = truth.
//!
//! MI is in nats on every axis.

use std::path::{Path, PathBuf};

use plotters::prelude::*;

use super::Report;
use crate::ir::Program;
use crate::verdicts::ClaimResult;

type Fallible<T> = Result<T, Box<dyn std::error::Error>>;

const SIZE: (u32, u32) = (720, 440);
const SEED_BAND: RGBColor = RGBColor(140, 170, 220);
const MEAN: RGBColor = RGBColor(31, 90, 180);
const TRUTH: RGBColor = RGBColor(30, 140, 60);
const CAP: RGBColor = RGBColor(200, 60, 40);
const OTHER: RGBColor = RGBColor(230, 130, 20);

/// A file name part from a run or claim name: letters, digits, `-` and `_` only.
fn slug(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    out.trim_matches('_').chars().take(60).collect()
}

/// The prefix of a file's figure names: its file stem, as a slug.
pub fn figure_stem(r: &Report) -> String {
    slug(
        Path::new(&r.file)
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .as_deref()
            .unwrap_or("file"),
    )
}

/// The range of `values` with 8% of room on each side (a unit range around a single value).
fn padded(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return None;
    }
    let pad = if hi > lo { 0.08 * (hi - lo) } else { 0.5 };
    Some((lo - pad, hi + pad))
}

/// Mean and the half-width of a 95% Student-t interval of the mean (0 for one value).
fn mean_interval(v: &[f64]) -> (f64, f64) {
    let est = crate::verdicts::stats::one_sample(v, 0.0);
    if v.len() < 2 {
        return (est.mean, 0.0);
    }
    let (_, hi) = est.limits(0.975);
    (est.mean, hi - est.mean)
}

/// Writes every figure of the reports (each with the program it ran) into `dir`; the paths
/// written.
pub fn write_plots(reports: &[(&Report, &Program)], dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for (r, program) in reports {
        let stem = figure_stem(r);
        let mut put =
            |name: String, draw: &dyn Fn(&Path) -> Fallible<bool>| -> std::io::Result<()> {
                let path = dir.join(name);
                match draw(&path) {
                    Ok(true) => written.push(path),
                    Ok(false) => {}
                    Err(e) => return Err(std::io::Error::other(e.to_string())),
                }
                Ok(())
            };
        for (name, run) in &r.runs {
            if !run.trains || run.traces.iter().all(|t| t.is_empty()) {
                continue;
            }
            let truth = program
                .runs
                .get(name)
                .map(|s| s.data().dist.clone())
                .filter(|d| d.truth_known())
                .map(|d| d.truth().value);
            put(format!("{stem}-trace-{}.svg", slug(name)), &|p| {
                trace_plot(p, name, &run.traces, truth, run.batch)
            })?;
        }
        for (i, c) in r.claims.iter().enumerate() {
            put(
                format!("{stem}-sweep-{}-{}.svg", i + 1, slug(&c.title)),
                &|p| sweep_plot(p, c),
            )?;
        }
        put(format!("{stem}-truth-vs-estimate.svg"), &|p| {
            truth_plot(p, r, program)
        })?;
    }
    Ok(written)
}

/// The series' legend at `at`, on a mostly opaque white box with a light border.
fn legend<'a, 'b: 'a, CT>(
    chart: &mut ChartContext<'a, SVGBackend<'b>, CT>,
    at: SeriesLabelPosition,
) -> Fallible<()>
where
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(at)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    Ok(())
}

/// The held-out trace of one run's seeds.
fn trace_plot(
    path: &Path,
    run: &str,
    traces: &[Vec<(usize, f64)>],
    truth: Option<f64>,
    batch: usize,
) -> Fallible<bool> {
    // Per recorded step: the values of the seeds that reached it.
    let mut steps: Vec<usize> = traces.iter().flatten().map(|&(s, _)| s).collect();
    steps.sort_unstable();
    steps.dedup();
    let at = |s: usize| -> Vec<f64> {
        traces
            .iter()
            .filter_map(|t| t.iter().find(|&&(x, _)| x == s).map(|&(_, v)| v))
            .filter(|v| v.is_finite())
            .collect()
    };
    let rows: Vec<(f64, f64, f64, f64)> = steps
        .iter()
        .filter_map(|&s| {
            let v = at(s);
            (!v.is_empty()).then(|| {
                let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (s as f64, lo, v.iter().sum::<f64>() / v.len() as f64, hi)
            })
        })
        .collect();
    if rows.len() < 2 {
        return Ok(false);
    }
    let ln_k = (batch as f64).ln();
    let lines = [truth, Some(ln_k)];
    let Some((y0, y1)) = padded(
        rows.iter()
            .flat_map(|r| [r.1, r.3])
            .chain(lines.iter().flatten().copied()),
    ) else {
        return Ok(false);
    };
    let x1 = rows.last().map(|r| r.0).unwrap_or(1.0).max(1.0);
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!(
                "run {run}: held-out estimate while training ({} seeds)",
                traces.len()
            ),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc("training step")
        .y_desc("estimate (nats)")
        .x_label_formatter(&|v: &f64| format!("{}", v.round()))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let band: Vec<(f64, f64)> = rows
        .iter()
        .map(|r| (r.0, r.3))
        .chain(rows.iter().rev().map(|r| (r.0, r.1)))
        .collect();
    chart
        .draw_series(std::iter::once(Polygon::new(
            band,
            SEED_BAND.mix(0.35).filled(),
        )))?
        .label("range over seeds")
        .legend(|(x, y)| {
            Rectangle::new([(x, y - 5), (x + 20, y + 5)], SEED_BAND.mix(0.35).filled())
        });
    chart
        .draw_series(LineSeries::new(
            rows.iter().map(|r| (r.0, r.2)),
            MEAN.stroke_width(2),
        ))?
        .label("mean over seeds")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], MEAN.stroke_width(2)));
    if let Some(t) = truth {
        chart
            .draw_series(LineSeries::new([(0.0, t), (x1, t)], TRUTH.stroke_width(2)))?
            .label(format!("true MI {t:.3}"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], TRUTH.stroke_width(2)));
    }
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, ln_k), (x1, ln_k)],
            6,
            4,
            CAP.stroke_width(1),
        ))?
        .label(format!("ln K = ln {batch} = {ln_k:.3}"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], CAP.stroke_width(1)));
    legend(&mut chart, trace_legend_place(&rows, &lines, x1, (y0, y1)))?;
    root.present()?;
    Ok(true)
}

/// Where the trace plot's legend covers least: of the upper, middle and lower third of the
/// right side (the last 40% of the steps), the one that the seed band (rows of step, low,
/// mean, high) and the horizontal lines cross least. A line counts as a quarter of the band:
/// it runs the whole width and is labelled, so covering its end hides less than covering
/// seeds. The upper third on a tie.
fn trace_legend_place(
    rows: &[(f64, f64, f64, f64)],
    lines: &[Option<f64>],
    x1: f64,
    (y0, y1): (f64, f64),
) -> SeriesLabelPosition {
    let third = (y1 - y0) / 3.0;
    let right: Vec<_> = rows.iter().filter(|r| r.0 >= 0.6 * x1).collect();
    let cover = |k: usize| -> usize {
        let (lo, hi) = (y1 - third * (k + 1) as f64, y1 - third * k as f64);
        let band = right.iter().filter(|r| r.3 >= lo && r.1 <= hi).count();
        let crossing = lines.iter().flatten().filter(|&&v| v >= lo && v <= hi);
        band + crossing.count() * right.len().div_ceil(4).max(1)
    };
    let places = [
        SeriesLabelPosition::UpperRight,
        SeriesLabelPosition::MiddleRight,
        SeriesLabelPosition::LowerRight,
    ];
    let best = (0..3).min_by_key(|&k| cover(k)).unwrap_or(0);
    places[best].clone()
}

/// One claim's parts over a sweep: `VAR=value` labels, each side against the value.
fn sweep_plot(path: &Path, c: &ClaimResult) -> Fallible<bool> {
    let parts: Vec<(String, f64, &crate::verdicts::Evidence)> = c
        .evidence
        .iter()
        .filter_map(|e| {
            let (var, value) = e.label.split_once('=')?;
            Some((var.trim().to_string(), value.trim().parse::<f64>().ok()?, e))
        })
        .collect();
    let var = match parts.first() {
        Some((v, ..)) if parts.len() >= 2 && parts.iter().all(|(w, ..)| w == v) => v.clone(),
        _ => return Ok(false),
    };
    let xs: Vec<f64> = parts.iter().map(|p| p.1).collect();
    let (xmin, xmax) = xs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    let log = xmin > 0.0 && xmax / xmin >= 8.0;
    let fx = |x: f64| if log { x.log2() } else { x };
    // (x, mean, half-width) per side; a constant side has no interval.
    let side = |seeds: &[f64], mean: f64| {
        if seeds.is_empty() {
            (mean, 0.0)
        } else {
            mean_interval(seeds)
        }
    };
    let lhs: Vec<(f64, f64, f64)> = parts
        .iter()
        .map(|(_, x, e)| {
            let (m, h) = side(&e.lhs_seeds, e.lhs);
            (fx(*x), m, h)
        })
        .collect();
    let rhs: Vec<(f64, f64, f64)> = parts
        .iter()
        .map(|(_, x, e)| {
            let (m, h) = side(&e.rhs_seeds, e.rhs);
            (fx(*x), m, h)
        })
        .collect();
    let Some((y0, y1)) = padded(lhs.iter().chain(&rhs).flat_map(|&(_, m, h)| [m - h, m + h]))
    else {
        return Ok(false);
    };
    let Some((x0, x1)) = padded(lhs.iter().map(|p| p.0)) else {
        return Ok(false);
    };
    let (lhs_text, rhs_text) = parts
        .first()
        .and_then(|(_, _, e)| {
            let ops = ["<=", ">=", "==", "<", ">"];
            ops.iter().find_map(|op| {
                e.text
                    .split_once(op)
                    .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
            })
        })
        .unwrap_or_else(|| ("left side".into(), "right side".into()));
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let title: String = c.title.chars().take(70).collect();
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 17))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    // On a log2 axis only powers of two and the sweep's own values are labelled.
    let fmt_x = |v: &f64| {
        let x = if log { 2f64.powf(*v) } else { *v };
        let on_value = xs.iter().any(|&s| (s - x).abs() <= 1e-6 * s.abs().max(1.0));
        if log && (v - v.round()).abs() > 1e-6 && !on_value {
            String::new()
        } else if (x - x.round()).abs() < 1e-6 {
            format!("{}", x.round())
        } else {
            format!("{x:.3}")
        }
    };
    chart
        .configure_mesh()
        .x_desc(if log {
            format!("{var} (log scale)")
        } else {
            var.clone()
        })
        .y_desc("value (nats for MI)")
        .x_label_formatter(&fmt_x)
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (points, colour, name) in [(&lhs, MEAN, lhs_text), (&rhs, OTHER, rhs_text)] {
        let name: String = name.chars().take(50).collect();
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|&(x, m, _)| (x, m)),
                colour.stroke_width(2),
            ))?
            .label(name)
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
        chart.draw_series(points.iter().filter(|p| p.2 > 0.0).map(|&(x, m, h)| {
            ErrorBar::new_vertical(x, m - h, m, m + h, colour.stroke_width(1), 8)
        }))?;
        chart.draw_series(
            points
                .iter()
                .map(|&(x, m, _)| Circle::new((x, m), 3, colour.filled())),
        )?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(true)
}

/// Every estimate against its run's true MI.
fn truth_plot(path: &Path, r: &Report, program: &Program) -> Fallible<bool> {
    // (truth, mean, sd over seeds)
    let points: Vec<(f64, f64, f64)> = program
        .estimates
        .iter()
        .filter(|e| e.trace.is_none() && e.over_batches == crate::ir::BatchStat::Mean)
        .filter_map(|e| {
            let d = &e.run.data().dist;
            if !d.truth_known() {
                return None;
            }
            let values: Vec<f64> = r
                .estimates
                .get(&e.label)?
                .iter()
                .flatten()
                .map(|v| v.mean)
                .filter(|v| v.is_finite())
                .collect();
            if values.is_empty() {
                return None;
            }
            let (mean, sd) = crate::verdicts::stats::mean_sd(&values);
            Some((d.truth().value, mean, sd))
        })
        .collect();
    if points.len() < 2 {
        return Ok(false);
    }
    let Some((lo, hi)) = padded(points.iter().flat_map(|&(t, m, s)| [t, m - s, m + s])) else {
        return Ok(false);
    };
    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("estimated against true MI ({} estimates)", points.len()),
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(60)
        .build_cartesian_2d(lo..hi, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("true MI (nats)")
        .y_desc("estimate, mean over seeds (nats)")
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    chart
        .draw_series(LineSeries::new([(lo, lo), (hi, hi)], TRUTH.stroke_width(1)))?
        .label("estimate = truth")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], TRUTH.stroke_width(1)));
    chart.draw_series(
        points
            .iter()
            .filter(|p| p.2 > 0.0)
            .map(|&(t, m, s)| ErrorBar::new_vertical(t, m - s, m, m + s, MEAN.stroke_width(1), 8)),
    )?;
    chart
        .draw_series(
            points
                .iter()
                .map(|&(t, m, _)| Circle::new((t, m), 4, MEAN.filled())),
        )?
        .label("estimate (bar: sd over seeds)")
        .legend(|(x, y)| Circle::new((x + 10, y), 4, MEAN.filled()));
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A band that stays low with the truth near the top and ln K in the middle (a run far
    /// below its truth) puts the legend up, over the end of the truth line rather than the
    /// seeds; a band that ends high puts it down; one through the middle with no lines, up.
    #[test]
    fn the_trace_legend_avoids_the_seed_band() {
        let rows = |lo: f64, hi: f64| -> Vec<(f64, f64, f64, f64)> {
            (0..30)
                .map(|i| (i as f64 * 10.0, lo, 0.5 * (lo + hi), hi))
                .collect()
        };
        let place = |rows: &[(f64, f64, f64, f64)], lines: &[Option<f64>]| {
            trace_legend_place(rows, lines, 290.0, (0.0, 3.6))
        };
        assert_eq!(
            place(&rows(0.6, 1.9), &[Some(3.3), Some(2.1)]),
            SeriesLabelPosition::UpperRight
        );
        assert_eq!(
            place(&rows(2.6, 3.4), &[Some(3.3), Some(2.1)]),
            SeriesLabelPosition::LowerRight
        );
        assert_eq!(place(&rows(1.5, 2.0), &[]), SeriesLabelPosition::UpperRight);
    }
}
