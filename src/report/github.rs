//! GitHub Actions workflow commands: printed in a workflow step, each
//! occurrence becomes an annotation on its lines in the pull request's diff
//! and in the run's summary, without uploading anything.
//!
//! ```text
//! ::warning file=corpus/newspaper-page.txt,line=79,endLine=81,title=doublet exact finding 1 (copy 1 of 2)::exact finding 1 (copy 1 of 2, similarity 1.000): other copies at corpus/newspaper-page.txt:83
//! ```
//!
//! Escaping follows GitHub's toolkit (`@actions/core`): `%`, CR and LF in the
//! message, and also `:` and `,` in properties. Columns are given only for
//! an occurrence on one line, as GitHub accepts them only there. A file
//! that could not be read is an `::error` naming it.

use std::io::{self, Write};

use super::{break_message, copies, copy_message, kind_name, Report};
use crate::scan::ScanResult;
use crate::source::Severity;

pub struct Github;

impl Report for Github {
    fn write(&self, result: &ScanResult, out: &mut dyn Write) -> io::Result<()> {
        for (f, i, o) in copies(result) {
            let mut props =
                vec![("file", o.path.clone()), ("line", o.line_start.to_string()), ("endLine", o.line_end.to_string())];
            if o.line_start == o.line_end {
                props.push(("col", o.col_start.to_string()));
                props.push(("endColumn", o.col_end.to_string()));
            }
            let title =
                format!("doublet {} finding {} (copy {} of {})", kind_name(f.kind), f.id, i + 1, f.occurrences.len());
            props.push(("title", title));
            command(out, "warning", &props, &copy_message(f, i, str::to_string))?;
        }
        for b in &result.breaks {
            let props = [("file", b.path.clone()), ("line", b.line.to_string()), ("title", "doublet break".into())];
            command(out, "warning", &props, &break_message(b))?;
        }
        for d in result.diagnostics.iter().filter(|d| d.severity == Severity::Error) {
            command(out, "error", &[("file", d.path.clone())], &d.to_string())?;
        }
        Ok(())
    }
}

/// One workflow command: `::NAME key=value,…::message`.
fn command(out: &mut dyn Write, name: &str, props: &[(&str, String)], message: &str) -> io::Result<()> {
    let props: Vec<String> = props.iter().map(|(k, v)| format!("{k}={}", escape_property(v))).collect();
    writeln!(out, "::{name} {}::{}", props.join(","), escape_data(message))
}

/// A command's message: `%`, CR and LF percent-encoded.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A command's property value: as [`escape_data`], and `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_the_toolkit_does() {
        let cases = [
            ("plain", "plain", "plain"),
            ("50%", "50%25", "50%25"),
            ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
            ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
            ("%3A", "%253A", "%253A"),
            ("考 生", "考 生", "考 生"),
        ];
        for (raw, data, property) in cases {
            assert_eq!(escape_data(raw), data, "{raw:?}");
            assert_eq!(escape_property(raw), property, "{raw:?}");
        }
    }
}
