//! Command-line interface: clap definitions and their translation into
//! library parameters, validated once.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum, ValueHint};

use doublet::gate::{FailOn, Gate};
use doublet::lsh::Banding;
use doublet::scan::{self, Method, Params};

/// Exit status and gates, for `--help` of the command and of `scan`.
const EXIT_STATUS: &str = "\
Exit status:
  0  no gate tripped (by default: nothing found)
  1  a gate tripped: more findings counted by --fail-on (default any: every finding, and layout
     breaks with --check breaks) than --max-findings (default 0), or more duplicated bytes
     than --max-duplicated percent; findings in the --baseline are not counted
  2  an error happened (also when other files were scanned fine); it wins over 1

Settings are read from doublet.toml, found upward from the working directory (--config FILE
names one, --no-config ignores it): one key per scan option, its long name; the command line
wins, and lists (paths, check, exclude, ignore-pattern) add up. `doublet config --show` shows them.";

#[derive(Parser, Debug)]
#[command(
    name = "doublet",
    version,
    about = "Find duplicate and near-duplicate passages in text and say exactly where every copy is",
    after_help = EXIT_STATUS
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files, directories (recursively) and standard input (`-`) for
    /// repeated paragraphs and blocks of paragraphs.
    // Options may come twice, from doublet.toml and the command line: the
    // later (the command line's) wins; lists add up.
    #[command(after_help = EXIT_STATUS, args_override_self = true)]
    Scan(Box<ScanArgs>),
    /// Check files against an index (see `doublet index`) without adding
    /// them: duplicates inside them and of anything indexed, reported as
    /// `scan` reports them.
    #[command(after_help = EXIT_STATUS, args_override_self = true)]
    Check(Box<IndexArgs>),
    /// Keep a persistent index of a collection, batch by batch.
    #[command(subcommand)]
    Index(IndexCommand),
    /// Write the tables a Spark job makes candidate pairs from (Parquet, see
    /// spark/README.md): scan's options, no report.
    #[command(args_override_self = true)]
    Sketch(Box<SketchArgs>),
    /// Report as `scan` does, with the candidate pairs of the Spark job's
    /// output in place of scan's own (same options as the sketch).
    #[command(after_help = EXIT_STATUS, args_override_self = true)]
    Blocks(Box<BlocksArgs>),
    /// Show the settings a scan would use and where each comes from
    /// (default, FILE:LINE of doublet.toml, command line).
    Config(ConfigArgs),
    /// Print a shell completion script to standard output.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to standard output.
    Man,
}

#[derive(Subcommand, Debug)]
pub enum IndexCommand {
    /// Add files to the index in DIR (made when missing) as one new segment.
    /// The matching options must be those the index was made with; report
    /// and gate options have no effect here.
    Add(Box<AddArgs>),
    /// Merge the index's segments into one.
    Compact(IndexDir),
    /// Segments, files, items, bytes on disk and the parameters of an index.
    Stats(IndexDir),
    /// Check every block of every segment against its checksum (opening,
    /// adding and checking read only the blocks they need, and check those).
    Verify(IndexDir),
}

#[derive(Args, Debug)]
pub struct IndexDir {
    /// The index directory.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub index: PathBuf,
}

/// `index add`: an index, what to store, and scan's options and paths.
#[derive(Args, Debug)]
pub struct AddArgs {
    /// Store no passage anchors: the segment is about a third of the size
    /// and a check reads less of it, but finds containment and shared
    /// passages against these files only when it reads them again for
    /// another candidate.
    #[arg(long)]
    pub no_passages: bool,
    #[command(flatten)]
    pub index: IndexArgs,
}

/// An index and scan's options and paths.
#[derive(Args, Debug)]
pub struct IndexArgs {
    #[command(flatten)]
    pub dir: IndexDir,
    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Print the resolved settings.
    #[arg(long, required = true)]
    pub show: bool,

    /// Scan options and paths, as `doublet scan` takes them (including
    /// --config and --no-config).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "SCAN ARGS")]
    pub args: Vec<OsString>,
}

#[derive(Args, Debug)]
pub struct SketchArgs {
    /// Directory to write the tables into (replaced whole when complete).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub out: PathBuf,

    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Args, Debug)]
pub struct BlocksArgs {
    /// The Spark job's output directory (`--out` of spark/doublet_groups.py).
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub groups: PathBuf,

    #[command(flatten)]
    pub scan: ScanArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOnArg {
    /// Exact findings only.
    Exact,
    /// Exact and near findings.
    Near,
    /// Every finding: also containment, passage, and layout breaks with --check breaks.
    Any,
    /// Findings never fail the run (--max-duplicated still does).
    None,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable: one block per finding, `path:line:col-line:col` per copy.
    Text,
    /// JSON Lines: begin, one line per finding, summary.
    Json,
    /// One self-contained HTML page: every copy's text side by side, differences marked.
    Html,
    /// SARIF 2.1.0 (code scanning): one result per finding, every copy a location.
    Sarif,
    /// Markdown for pull-request comments: summary, table, copies with snippets.
    Markdown,
    /// CSV (RFC 4180): one row per occurrence.
    Csv,
    /// GitHub Actions annotations: one `::warning` per occurrence.
    Github,
    /// Compiler-style `path:line:col: message`, one line per occurrence.
    Line,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Check {
    /// Paragraphs cut in two by a stray blank line (page and column breaks).
    Breaks,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// One-permutation MinHash + LSH banding: any threshold.
    Minhash,
    /// 64-bit SimHash + permuted tables: close near-duplicates only.
    Simhash,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(required = true, value_name = "PATH", value_hint = ValueHint::AnyPath)]
    pub paths: Vec<OsString>,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Write the report to FILE (atomically: the old file stays whole until
    /// the new one is complete); `-` is standard output.
    #[arg(short, long, value_name = "FILE", default_value = "-", value_hint = ValueHint::FilePath)]
    pub output: PathBuf,

    /// Which findings count for the exit status.
    #[arg(long, value_enum, default_value_t = FailOnArg::Any, value_name = "KINDS")]
    pub fail_on: FailOnArg,

    /// Exit 1 only when more than N findings count.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub max_findings: usize,

    /// Exit 1 when more than PERCENT of the scanned bytes are duplicated,
    /// whatever the number of findings.
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    pub max_duplicated: Option<f64>,

    /// Accepted findings: those in FILE are left out of the report and the
    /// exit status (and counted in the summary).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub baseline: Option<PathBuf>,

    /// Write every current finding to the --baseline file, and exit 0.
    #[arg(long, requires = "baseline")]
    pub update_baseline: bool,

    /// Leave out paths matching GLOB (gitignore style: `*.log`, `drafts/`,
    /// `docs/old/**`), walked or named; repeatable.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,

    /// Scan files that .gitignore, .ignore and .git/info/exclude leave out.
    #[arg(long)]
    pub no_ignore: bool,

    /// Read settings from FILE instead of the doublet.toml found upward from
    /// the working directory.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,

    /// Read no doublet.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Minimum Jaccard similarity of two paragraphs' shingle sets, verified
    /// exactly, for a near-duplicate.
    #[arg(short, long, default_value_t = scan::DEFAULT_THRESHOLD, value_name = "J")]
    pub threshold: f64,

    /// Shingle length in normalized characters.
    #[arg(long, default_value_t = scan::DEFAULT_NGRAM, value_name = "N")]
    pub ngram: usize,

    /// Paragraphs with fewer normalized characters (letters, digits,
    /// ideographs; no spaces or punctuation) are not matched.
    #[arg(long, default_value_t = scan::DEFAULT_MIN_CHARS, value_name = "N")]
    pub min_chars: usize,

    /// Near-duplicate candidate method.
    #[arg(long, value_enum, default_value_t = MethodArg::Minhash)]
    pub method: MethodArg,

    /// MinHash slots per paragraph.
    #[arg(long, default_value_t = scan::DEFAULT_NUM_PERM, value_name = "K")]
    pub num_perm: usize,

    /// LSH bands (with --rows); by default chosen for 99% recall at the threshold.
    #[arg(long, requires = "rows", value_name = "B")]
    pub bands: Option<usize>,

    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands", value_name = "R")]
    pub rows: Option<usize>,

    /// Maximum Hamming distance of SimHash candidates (--method simhash).
    #[arg(long, default_value_t = scan::DEFAULT_SIMHASH_DISTANCE, value_name = "D")]
    pub simhash_distance: u32,

    /// Match only at the threshold. By default paragraphs down to 0.2 below it
    /// also match when their differences look like OCR noise: scattered
    /// misread, dropped or extra characters, never a changed word or number.
    #[arg(long)]
    pub strict: bool,

    /// Hash seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// Every non-blank line is a paragraph (instead of blocks of lines
    /// separated by blank lines).
    #[arg(long)]
    pub lines: bool,

    /// Scan files that look binary (a NUL byte in the first 8 KiB) instead of
    /// skipping them.
    #[arg(long)]
    pub binary: bool,

    /// Also report layout problems; they count as findings for the exit status.
    #[arg(long, value_enum, value_name = "CHECK")]
    pub check: Vec<Check>,

    /// Memory for the normalized texts (half), the sketches and, later, the
    /// passage anchors (a quarter each) and the shingle sets kept for
    /// comparison (an eighth), e.g. 512M or 2G; beyond it texts, sketches
    /// and anchors wait in temporary files and sets are made again when
    /// needed. The per-paragraph arrays are not bounded by it yet.
    /// Changes memory and time, never what is found.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<u64>,

    /// Leave out of matching what this regular expression matches inside a
    /// paragraph (bylines, mastheads); `^`/`$` match at every line. Repeatable.
    #[arg(long = "ignore-pattern", value_name = "REGEX")]
    pub ignore_patterns: Vec<String>,

    /// The field (JSON Lines) or column (Parquet) holding each record's text
    /// [default: text]. Given, it also makes `.json` files named on the
    /// command line read as JSON Lines.
    #[arg(long, value_name = "NAME")]
    pub text_field: Option<String>,

    /// The field or column naming each record in reports; a record without
    /// it is a bad record.
    #[arg(long, value_name = "NAME")]
    pub id_field: Option<String>,

    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bar, notes or summary on stderr (errors are still shown).
    #[arg(short, long)]
    pub quiet: bool,

    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
}

/// A percentage from 0 to 100.
fn percent(s: &str) -> Result<f64, String> {
    match s.trim_end_matches('%').parse::<f64>() {
        Ok(p) if (0.0..=100.0).contains(&p) => Ok(p),
        Ok(_) => Err("must be between 0 and 100".into()),
        Err(e) => Err(e.to_string()),
    }
}

impl ScanArgs {
    /// The gates of the run.
    pub fn gate(&self) -> Gate {
        let fail_on = match self.fail_on {
            FailOnArg::Exact => FailOn::Exact,
            FailOnArg::Near => FailOn::Near,
            FailOnArg::Any => FailOn::Any,
            FailOnArg::None => FailOn::None,
        };
        Gate { fail_on, max_findings: self.max_findings, max_duplicated: self.max_duplicated }
    }

    /// The library parameters, validated.
    pub fn params(&self) -> Result<Params, String> {
        let p = Params {
            method: match self.method {
                MethodArg::Minhash => Method::Minhash,
                MethodArg::Simhash => Method::Simhash,
            },
            threshold: self.threshold,
            ngram: self.ngram,
            min_chars: self.min_chars,
            num_perm: self.num_perm,
            banding: self.bands.zip(self.rows).map(|(bands, rows)| Banding { bands, rows }),
            simhash_distance: self.simhash_distance,
            seed: self.seed,
            lines: self.lines,
            binary: self.binary,
            check_breaks: self.check.contains(&Check::Breaks),
            ocr: !self.strict,
            ignore_patterns: self.ignore_patterns.clone(),
            input: doublet::input::Options {
                text_field: self.text_field.clone(),
                id_field: self.id_field.clone(),
                json_files: self.paths.iter().map(PathBuf::from).collect(),
            },
            ..Params::default()
        };
        let p = match self.memory_limit {
            Some(limit) => {
                let limit = usize::try_from(limit).unwrap_or(usize::MAX);
                Params {
                    texts_budget: limit / 2,
                    postings_budget: limit / 4,
                    sketches_budget: limit / 4,
                    sets_budget: limit / 8,
                    ..p
                }
            }
            None => p,
        };
        p.validate()?;
        Ok(p)
    }
}

/// A size in bytes: a number with an optional binary suffix `K`, `M`, `G`
/// or `T` (`KiB`, `MB`, … are read the same way).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let n: u64 = number.parse().map_err(|_| format!("{text:?} is not a size such as 512M or 2G"))?;
    let shift = match unit.trim().to_ascii_uppercase().trim_end_matches("IB").trim_end_matches('B') {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(format!("{text:?}: unknown unit {unit:?} (use K, M, G or T)")),
    };
    n.checked_mul(1 << shift).ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1500"), Ok(1500));
        assert_eq!(parse_size("512M"), Ok(512 << 20));
        assert_eq!(parse_size("2G"), Ok(2 << 30));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("64kb"), Ok(64 << 10));
        assert!(parse_size("G").is_err());
        assert!(parse_size("1.5G").is_err());
        assert!(parse_size("3X").unwrap_err().contains("unknown unit"));
        assert!(parse_size("99999999999T").unwrap_err().contains("too large"));
    }
}
