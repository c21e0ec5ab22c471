//! JUnit XML for CI systems: one test suite per file, one test case per claim, failed when the
//! claim missed its expectation (the failure's message is the verdict and the expectation, its
//! text the claim's details). Seeds, device and mica's version are suite properties.

use std::fmt::Write as _;

use super::{terminal::claim_details, Report};

/// Text escaped for an XML attribute or element; characters XML 1.0 cannot hold are dropped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

pub fn render_junit(reports: &[Report]) -> String {
    let tests: usize = reports.iter().map(|r| r.claims.len()).sum();
    let failures: usize = reports.iter().map(|r| r.claims.len() - r.met()).sum();
    let seconds: f64 = reports.iter().map(|r| r.seconds).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"mica\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{seconds:.3}\">"
    );
    for r in reports {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{:.3}\">",
            escape(&r.file),
            r.claims.len(),
            r.claims.len() - r.met(),
            r.seconds
        );
        out += "    <properties>\n";
        for (name, value) in [
            ("seed", r.seed.to_string()),
            ("device", r.device.clone()),
            ("quick", r.quick.to_string()),
            ("mica_version", env!("CARGO_PKG_VERSION").to_string()),
        ] {
            let _ = writeln!(
                out,
                "      <property name=\"{name}\" value=\"{}\"/>",
                escape(&value)
            );
        }
        out += "    </properties>\n";
        for c in &r.claims {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
                escape(&c.title),
                escape(&r.file),
                c.seconds
            );
            if c.met {
                out += ">\n";
                let _ = writeln!(
                    out,
                    "      <system-out>{}</system-out>",
                    escape(&claim_details(c))
                );
            } else {
                out += ">\n";
                let _ = writeln!(
                    out,
                    "      <failure type=\"{}\" message=\"{} (expected {})\">{}</failure>",
                    c.verdict,
                    c.verdict,
                    crate::verdicts::Verdict::expected(c.expect),
                    escape(&claim_details(c))
                );
            }
            out += "    </testcase>\n";
        }
        out += "  </testsuite>\n";
    }
    out += "</testsuites>\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_cannot_hold() {
        assert_eq!(
            escape("a < b && \"c\" > 'd'\u{1}\n"),
            "a &lt; b &amp;&amp; &quot;c&quot; &gt; &apos;d&apos;\n"
        );
    }
}
