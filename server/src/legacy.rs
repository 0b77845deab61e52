//! Import of existing accounts from CSV (`rut,email,mobile`, header optional): no secret question and no usable
//! CS, so their owners recover through §3.1 (serial number). Idempotent: RUTs already present are skipped.

use std::io::Read;

use domain::{Email, Mobile, Rut};

use crate::store::Store;
use crate::store::accounts::{self, Inserted};

#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub imported: usize,
    pub skipped_existing: usize,
    /// Line numbers (1-based) that could not be parsed, with the reason.
    pub rejected: Vec<(usize, String)>,
}

pub async fn import(store: &Store, input: impl Read, now: i64) -> anyhow::Result<ImportReport> {
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(input);
    let mut report = ImportReport::default();
    for (index, record) in reader.records().enumerate() {
        let line = index + 1;
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                report.rejected.push((line, error.to_string()));
                continue;
            }
        };
        let field = |i: usize| record.get(i).unwrap_or_default();
        if line == 1 && field(0).eq_ignore_ascii_case("rut") {
            continue;
        }
        let parsed = (|| {
            let rut = Rut::parse(field(0)).map_err(|c| format!("rut: {c}"))?;
            let email = Email::parse(field(1)).map_err(|c| format!("email: {c}"))?;
            let mobile = match field(2) {
                "" => None,
                raw => Some(Mobile::parse(raw).map_err(|c| format!("mobile: {c}"))?),
            };
            Ok::<_, String>((rut, email, mobile))
        })();
        match parsed {
            Ok((rut, email, mobile)) => {
                match accounts::insert_legacy(store.writer(), rut, &email, mobile, now).await? {
                    Inserted::Created => report.imported += 1,
                    Inserted::RutTaken => report.skipped_existing += 1,
                }
            }
            Err(reason) => report.rejected.push((line, reason)),
        }
    }
    Ok(report)
}
