//! Legacy import from CSV.

use crate::helpers::*;

#[tokio::test]
async fn legacy_import_is_idempotent_and_reports_bad_lines() {
    let app = spawn_app().await;
    let csv = "rut,email,mobile\n11.111.111-1,pedro@example.cl,+56911112222\n22222222-2,ana@example.cl,\n12.345.678-9,x@example.cl,\n9876543-3,no-es-correo,\n";
    let first = server::legacy::import(&app.store, csv.as_bytes(), 0).await.unwrap();
    assert_eq!((first.imported, first.skipped_existing), (2, 0));
    assert_eq!(first.rejected.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [4, 5]);
    let second = server::legacy::import(&app.store, csv.as_bytes(), 0).await.unwrap();
    assert_eq!((second.imported, second.skipped_existing), (0, 2));
    assert_eq!(app.account_count().await, 2);
    // No usable CS: nothing logs in until a §3.1 recovery.
    assert_eq!(app.login("11.111.111-1", "").await.0, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.login("11.111.111-1", "cualquiera").await.1["code"], "invalid_credentials");
}
