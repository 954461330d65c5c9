//! Counters and latency histograms in Prometheus text format, kept in memory.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; 11],
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Series>>,
}

impl Metrics {
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        let secs = elapsed.as_secs_f64();
        if let Ok(mut l) = self.latency.lock() {
            let s = l.entry(route.to_string()).or_default();
            s.count += 1;
            s.sum += secs;
            for (i, b) in BUCKETS.iter().enumerate() {
                if secs <= *b {
                    s.buckets[i] += 1;
                }
            }
        }
    }

    pub fn render(&self, pool: &r2d2_state::PoolState) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# HELP cairn_http_requests_total HTTP requests by method, route and status."
        );
        let _ = writeln!(out, "# TYPE cairn_http_requests_total counter");
        if let Ok(r) = self.requests.lock() {
            for ((m, route, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "cairn_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP cairn_http_request_duration_seconds Request latency by route."
        );
        let _ = writeln!(out, "# TYPE cairn_http_request_duration_seconds histogram");
        if let Ok(l) = self.latency.lock() {
            for (route, s) in l.iter() {
                let route = escape(route);
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "cairn_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                        s.buckets[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "cairn_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    s.count
                );
                let _ = writeln!(
                    out,
                    "cairn_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    s.sum
                );
                let _ = writeln!(
                    out,
                    "cairn_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    s.count
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP cairn_db_pool_connections Database pool connections."
        );
        let _ = writeln!(out, "# TYPE cairn_db_pool_connections gauge");
        let _ = writeln!(
            out,
            "cairn_db_pool_connections{{state=\"open\"}} {}",
            pool.connections
        );
        let _ = writeln!(
            out,
            "cairn_db_pool_connections{{state=\"idle\"}} {}",
            pool.idle
        );
        let _ = writeln!(
            out,
            "cairn_db_pool_connections{{state=\"in_use\"}} {}",
            pool.connections.saturating_sub(pool.idle)
        );
        let _ = writeln!(out, "cairn_db_pool_max_connections {}", pool.max);
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

pub mod r2d2_state {
    /// The pool figures `/metrics` reports.
    pub struct PoolState {
        pub connections: u32,
        pub idle: u32,
        pub max: u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_latencies_are_rendered() {
        let m = Metrics::default();
        m.record("GET", "/people/{id}", 200, Duration::from_millis(3));
        m.record("GET", "/people/{id}", 200, Duration::from_millis(30));
        let text = m.render(&r2d2_state::PoolState {
            connections: 4,
            idle: 3,
            max: 16,
        });
        assert!(text.contains(
            "cairn_http_requests_total{method=\"GET\",route=\"/people/{id}\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "cairn_http_request_duration_seconds_bucket{route=\"/people/{id}\",le=\"0.005\"} 1"
        ));
        assert!(text.contains("cairn_db_pool_connections{state=\"in_use\"} 1"));
    }
}
