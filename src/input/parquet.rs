//! Parquet: a table whose text column holds one document per row.
//!
//! Only the text column (and the id column, when named) is read, through
//! the row API of the `parquet` crate, without Arrow. There are no raw text
//! bytes to point into in a Parquet file, so an occurrence's byte range,
//! line and column are those inside the row's decoded text, and its row
//! (1-based, in file order across row groups) and id say which row that is.
//! A row whose text is null or not a string (or whose id is missing) is a
//! bad record; a damaged file, or one without the column, is an error.

use bytes::Bytes;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use parquet::schema::types::Type;

use super::{Options, Record, Records};
use crate::boilerplate::Patterns;
use crate::segment::Mode;

/// The rows of a Parquet file, cut into paragraphs.
pub fn records(data: &[u8], options: &Options, mode: Mode, patterns: &Patterns) -> Result<Records, String> {
    let reader = SerializedFileReader::new(Bytes::copy_from_slice(data)).map_err(|e| e.to_string())?;
    let schema = reader.metadata().file_metadata().schema_descr();
    let fields = schema.root_schema().get_fields();
    let column = |name: &str, what: &str| {
        fields.iter().position(|f| f.name() == name).ok_or_else(|| {
            let names: Vec<&str> = fields.iter().map(|f| f.name()).collect();
            format!("Parquet: no column \"{name}\" ({what}); the columns are {}", names.join(", "))
        })
    };
    let text_field = options.text_field();
    let text_at = column(text_field, "--text-field")?;
    let id_at = options.id_field.as_deref().map(|id| column(id, "--id-field")).transpose()?;
    let mut chosen = vec![fields[text_at].clone()];
    chosen.extend(id_at.filter(|&i| i != text_at).map(|i| fields[i].clone()));
    let projection =
        Type::group_type_builder(schema.root_schema().name()).with_fields(chosen).build().map_err(|e| e.to_string())?;
    let rows = reader.get_row_iter(Some(projection)).map_err(|e| e.to_string())?;
    let mut out = Records::default();
    for (i, row) in rows.enumerate() {
        let n = i as u64 + 1;
        let row = row.map_err(|e| format!("row {n}: {e}"))?;
        let value = |name: &str| row.get_column_iter().find(|(k, _)| k.as_str() == name).map(|(_, v)| v);
        let text = match value(text_field) {
            Some(Field::Str(s)) => Ok(s.clone()),
            Some(Field::Bytes(b)) => std::str::from_utf8(b.data())
                .map(str::to_string)
                .map_err(|_| format!("column \"{text_field}\" is not UTF-8 text")),
            Some(Field::Null) | None => Err(format!("column \"{text_field}\" is null")),
            Some(other) => Err(format!("column \"{text_field}\" is not a string: {other}")),
        };
        let id = match options.id_field.as_deref() {
            None => Ok(None),
            Some(name) => match value(name) {
                Some(Field::Null) | None => Err(format!("column \"{name}\" (--id-field) is null")),
                Some(Field::Str(s)) => Ok(Some(s.clone())),
                Some(other) => Ok(Some(other.to_string())),
            },
        };
        match (text, id) {
            (Ok(text), Ok(id)) => out.push(Record { row: n, id, text, view: None, map: None }, mode, patterns),
            (Err(e), _) | (_, Err(e)) => out.reject(String::new(), format!("row {n}: {e}")),
        }
    }
    Ok(out)
}
