//! doublet.toml: settings a project keeps beside its texts, so every CI job
//! and every editor runs the same scan.
//!
//! The keys are not listed anywhere: every option of `doublet scan` is a key
//! under its long name (the paths under `paths`), found in the clap
//! definitions, so an option added later has a key at once. A file's
//! settings become arguments placed before the command line's; `scan` lets
//! a later occurrence of an option override an earlier one, so the command
//! line wins, and list options (paths, `--check`, `--exclude`, …) add up. Each
//! value is checked by its option's own parser before the scan starts, so a
//! bad key, type or value is an error naming the file, the line and the key.
//! Paths in the file (options whose values are paths, and `paths`) are
//! relative to the file's directory.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, CommandFactory, ValueHint};
use toml::{Spanned, Value};

use doublet::source::io_message;

use crate::cli::Cli;

/// The name looked for upward from the working directory.
pub const FILE_NAME: &str = "doublet.toml";

/// Arguments of `scan` that are not settings.
const NOT_KEYS: [&str; 3] = ["help", "config", "no-config"];

/// One key of a configuration file, as arguments.
#[derive(Debug)]
pub struct Setting {
    pub key: String,
    pub line: usize,
    pub args: Vec<OsString>,
}

/// A configuration file that was read.
#[derive(Debug)]
pub struct Config {
    pub path: PathBuf,
    pub settings: Vec<Setting>,
}

impl Config {
    fn setting(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.key == key)
    }

    fn place(&self, s: &Setting) -> String {
        format!("{}:{}", self.path.display(), s.line)
    }
}

/// The arguments of a scan with its configuration file's settings in front.
#[derive(Debug)]
pub struct Resolved {
    pub config: Option<Config>,
    /// Keys given on the command line.
    pub from_command_line: Vec<String>,
    /// `doublet scan`, the file's arguments, the command line's.
    pub argv: Vec<OsString>,
}

/// The `scan` subcommand as clap defines it.
pub fn scan_command() -> clap::Command {
    subcommand(&["scan"])
}

/// The key of an argument: its long name, or its id for a positional one.
fn key_of(arg: &Arg) -> String {
    arg.get_long().map_or_else(|| arg.get_id().to_string(), str::to_string)
}

fn is_flag(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::SetTrue)
}

fn is_list(arg: &Arg) -> bool {
    matches!(arg.get_action(), ArgAction::Append)
}

/// `doublet NAMES… ARGS` parsed without requiring paths (they may all come
/// from the file); `lenient` ignores every other error too.
fn parse(names: &[&'static str], args: &[OsString], lenient: bool) -> Result<ArgMatches, clap::Error> {
    let cmd = subcommand(names).mut_arg("paths", |a| a.required(false)).ignore_errors(lenient);
    cmd.try_get_matches_from(std::iter::once(OsString::from(names[names.len() - 1])).chain(args.iter().cloned()))
}

/// Reads the configuration file that `command_line` (the arguments after
/// `scan`) selects, and puts its settings in front of them.
pub fn resolve(command_line: &[OsString]) -> Result<Resolved, String> {
    resolve_for(&["scan"], command_line)
}

/// The subcommand `doublet NAMES…` as clap defines it.
fn subcommand(names: &[&'static str]) -> clap::Command {
    let mut cmd = Cli::command();
    for name in names {
        cmd = cmd.find_subcommand(name).cloned().unwrap_or_else(|| clap::Command::new(*name));
    }
    cmd
}

/// [`resolve`] for `doublet NAMES… ARGS` (`scan`, `check`, `index add`,
/// `sketch`, `blocks`: every one takes scan's options). The file's settings
/// are scan's; the other commands take all of them but `paths`, as their
/// paths name a batch (to check, add or sketch), not the project's texts.
pub fn resolve_for(names: &[&'static str], command_line: &[OsString]) -> Result<Resolved, String> {
    let cmd = subcommand(names);
    // Empty when the command line does not parse (`--help` among others):
    // the final parse reports it.
    let given = parse(names, command_line, true).unwrap_or_default();
    let from_command_line: Vec<String> = cmd
        .get_arguments()
        .filter(|a| given.ids().any(|id| id == a.get_id()))
        .filter(|a| given.value_source(a.get_id().as_str()) == Some(ValueSource::CommandLine))
        .map(key_of)
        .collect();
    let path = if from_command_line.iter().any(|k| k == "no-config") {
        None
    } else if let Ok(Some(p)) = given.try_get_one::<PathBuf>("config") {
        Some(p.clone())
    } else {
        find_upward()
    };
    let config = path.map(|p| load(&p, &scan_command())).transpose()?;
    let mut argv = vec![OsString::from("doublet")];
    argv.extend(names.iter().map(OsString::from));
    if let Some(c) = &config {
        let scan = names == ["scan"];
        argv.extend(c.settings.iter().filter(|s| scan || s.key != "paths").flat_map(|s| s.args.iter().cloned()));
    }
    argv.extend(command_line.iter().cloned());
    Ok(Resolved { config, from_command_line, argv })
}

/// `doublet.toml` in the working directory or the nearest directory above
/// it, as a relative path (`../../doublet.toml`).
fn find_upward() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().enumerate().find(|(_, dir)| dir.join(FILE_NAME).is_file()).map(|(depth, _)| {
        let mut p = PathBuf::new();
        for _ in 0..depth {
            p.push("..");
        }
        p.join(FILE_NAME)
    })
}

/// Reads and checks a configuration file against `cmd`'s arguments.
pub fn load(path: &Path, cmd: &clap::Command) -> Result<Config, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {}", io_message(&e)))?;
    let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
    let table: BTreeMap<Spanned<String>, Spanned<Value>> = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(String::new(), |s| format!("{}:", line_of(s.start)));
        format!("{name}:{line} not valid TOML: {}", e.message().trim_end())
    })?;
    let mut entries: Vec<_> = table.into_iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let base = path.parent().unwrap_or(Path::new(""));
    let mut settings = Vec::new();
    for (key, value) in entries {
        let line = line_of(key.span().start);
        let key = key.into_inner();
        let at = |message: String| format!("{name}:{line}: {key}: {message}");
        let arg = cmd
            .get_arguments()
            .find(|a| key_of(a) == key && !NOT_KEYS.contains(&key.as_str()))
            .ok_or_else(|| at(unknown_key(cmd, &key)))?;
        let args = to_args(arg, value.get_ref(), base).map_err(at)?;
        settings.push(Setting { key, line, args });
    }
    Ok(Config { path: path.to_path_buf(), settings })
}

fn unknown_key(cmd: &clap::Command, key: &str) -> String {
    let dashed = key.replace('_', "-");
    if cmd.get_arguments().any(|a| key_of(a) == dashed) {
        format!("unknown key (did you mean `{dashed}`?)")
    } else {
        "unknown key: keys are the long names of `doublet scan` options, and `paths`".into()
    }
}

/// The arguments that say what `value` says for `arg`, each checked by the
/// argument's own parser.
fn to_args(arg: &Arg, value: &Value, base: &Path) -> Result<Vec<OsString>, String> {
    let key = key_of(arg);
    if is_flag(arg) {
        return match value {
            Value::Boolean(true) => Ok(vec![format!("--{key}").into()]),
            Value::Boolean(false) => Ok(Vec::new()),
            other => Err(format!("takes a boolean (true or false), not {}", other.type_str())),
        };
    }
    let items: Vec<&Value> = match value {
        Value::Array(items) if is_list(arg) => items.iter().collect(),
        Value::Array(_) => return Err("takes one value, not an array".into()),
        one => vec![one],
    };
    let mut out = Vec::new();
    for item in items {
        let text = match item {
            Value::String(s) => s.clone(),
            Value::Integer(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            other => {
                let want = if is_list(arg) { "a string, a number or an array of them" } else { "a string or a number" };
                return Err(format!("takes {want}, not {}", other.type_str()));
            }
        };
        let text = relative_to(base, arg, text);
        check(arg, &text)?;
        out.push(if arg.is_positional() {
            // A path that looks like an option stays a path.
            if text.starts_with('-') && text != "-" {
                format!("./{text}").into()
            } else {
                text.into()
            }
        } else {
            format!("--{key}={text}").into()
        });
    }
    Ok(out)
}

/// Runs `arg`'s value parser on `text` alone, without the relations to
/// other arguments that the whole command line settles.
fn check(arg: &Arg, text: &str) -> Result<(), String> {
    let mut alone = Arg::new("value").long("value").value_parser(arg.get_value_parser().clone());
    if let Some(names) = arg.get_value_names() {
        alone = alone.value_names(names.to_vec());
    }
    let cmd = clap::Command::new(FILE_NAME).no_binary_name(true).arg(alone);
    cmd.try_get_matches_from([OsString::from(format!("--value={text}"))])
        .map(drop)
        .map_err(|e| clap_message(&e).replace("'--value ", &format!("'--{} ", key_of(arg))))
}

/// A relative path value of the file, made relative to the working directory.
fn relative_to(base: &Path, arg: &Arg, value: String) -> String {
    let is_path = matches!(arg.get_value_hint(), ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath);
    if !is_path || base.as_os_str().is_empty() || value == "-" || Path::new(&value).is_absolute() {
        value
    } else {
        base.join(value).display().to_string()
    }
}

/// The first line of a clap error, without its `error: ` prefix.
fn clap_message(e: &clap::Error) -> String {
    let s = e.to_string();
    let first = s.lines().next().unwrap_or_default();
    first.strip_prefix("error: ").unwrap_or(first).to_string()
}

impl Resolved {
    /// `message` (a check of the parameters that failed) with the place of
    /// the file's setting it names, when the command line did not give it.
    pub fn blame(&self, message: &str) -> String {
        let Some(config) = &self.config else {
            return message.to_string();
        };
        let words: Vec<&str> =
            message.split(|c: char| !(c.is_alphanumeric() || c == '-')).map(|w| w.trim_start_matches('-')).collect();
        config
            .settings
            .iter()
            .find(|s| words.contains(&s.key.as_str()) && !self.from_command_line.contains(&s.key))
            .map_or_else(|| message.to_string(), |s| format!("{}: {}: {message}", config.place(s), s.key))
    }

    /// Prints every setting of a scan, its value and where it comes from,
    /// in the file's own syntax.
    pub fn show(&self, out: &mut dyn Write) -> io::Result<()> {
        let matches = match parse(&["scan"], &self.argv[2..], false) {
            Ok(m) => m,
            Err(e) => e.exit(),
        };
        match &self.config {
            Some(c) => writeln!(out, "# settings of `doublet scan`, with {}", c.path.display())?,
            None => writeln!(out, "# settings of `doublet scan`, with no {FILE_NAME}")?,
        }
        let cmd = scan_command();
        for arg in cmd.get_arguments() {
            let key = key_of(arg);
            if NOT_KEYS.contains(&key.as_str()) {
                continue;
            }
            let id = arg.get_id().as_str();
            let values: Vec<String> = if is_flag(arg) {
                vec![matches.get_flag(id).to_string()]
            } else {
                matches.get_raw(id).map_or_else(Vec::new, |v| v.map(|s| s.to_string_lossy().into_owned()).collect())
            };
            let setting = self.config.as_ref().and_then(|c| c.setting(&key).map(|s| c.place(s)));
            let origin = match (setting, self.from_command_line.contains(&key)) {
                (Some(place), true) if is_list(arg) => format!("{place} + command line"),
                (_, true) => "command line".to_string(),
                (Some(place), false) => place,
                (None, false) => "default".to_string(),
            };
            let line = if values.is_empty() && !is_list(arg) {
                format!("# {key} (not set)")
            } else if is_list(arg) {
                format!("{key} = [{}]", values.iter().map(|v| literal(v)).collect::<Vec<_>>().join(", "))
            } else {
                format!("{key} = {}", literal(&values[0]))
            };
            writeln!(out, "{line:<40} # {origin}")?;
        }
        Ok(())
    }
}

/// A value as TOML: numbers and booleans bare, anything else a string.
fn literal(v: &str) -> String {
    let number = !v.is_empty()
        && v.bytes().all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && v.bytes().any(|b| b.is_ascii_digit())
        && v.parse::<f64>().is_ok();
    if number || v == "true" || v == "false" {
        v.to_string()
    } else {
        serde_json::to_string(v).unwrap_or_else(|_| format!("{v:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> Result<Vec<Vec<String>>, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        let c = load(&path, &scan_command()).map_err(|e| e.replace(&path.display().to_string(), "FILE"))?;
        Ok(c.settings.iter().map(|s| s.args.iter().map(|a| a.to_string_lossy().into_owned()).collect()).collect())
    }

    #[test]
    fn keys_become_arguments() {
        let got =
            load_text("threshold = 0.8\nstrict = true\nlines = false\ncheck = [\"breaks\"]\nngram = 4\n").unwrap();
        assert_eq!(
            got,
            vec![vec!["--threshold=0.8"], vec!["--strict"], vec![], vec!["--check=breaks"], vec!["--ngram=4"]]
        );
    }

    #[test]
    fn bad_keys_types_and_values_name_file_line_and_key() {
        let cases = [
            ("threshold = 0.8\nthreshhold = 0.7\n", "FILE:2: threshhold: unknown key"),
            ("min_chars = 3\n", "FILE:1: min_chars: unknown key (did you mean `min-chars`?)"),
            ("\n\nstrict = \"yes\"\n", "FILE:3: strict: takes a boolean (true or false), not string"),
            ("ngram = \"many\"\n", "FILE:1: ngram: invalid value 'many' for '--ngram <N>'"),
            ("format = \"pdf\"\n", "FILE:1: format: invalid value 'pdf' for '--format <FORMAT>'"),
            ("threshold = [0.5]\n", "FILE:1: threshold: takes one value, not an array"),
            ("config = \"other.toml\"\n", "FILE:1: config: unknown key"),
            ("a = 1\nb = \n", "FILE:2: not valid TOML"),
        ];
        for (text, want) in cases {
            let err = load_text(text).unwrap_err();
            assert!(err.starts_with(want), "{text:?}: {err}");
        }
    }

    #[test]
    fn literals() {
        assert_eq!(literal("0.6"), "0.6");
        assert_eq!(literal("text"), "\"text\"");
        assert_eq!(literal("inf"), "\"inf\"");
        assert_eq!(literal("true"), "true");
        assert_eq!(literal("a \"b\""), "\"a \\\"b\\\"\"");
    }
}
