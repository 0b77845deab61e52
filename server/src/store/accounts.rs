//! The `accounts` table: one row per RUT, read and written as an [`Account`] of domain values.

use super::sql::Value;
use super::{Db, Store, StoreError, sql};
use crate::params;
use domain::{Address, Comuna, Email, Language, Mobile, Phone, Rut, SecretQuestion};

/// A provisional CS from a recovery (§3): its Argon2id hash and when it stops working.
#[derive(Clone, PartialEq, Eq)]
pub struct ProvisionalKey {
    pub hash: String,
    pub expires_at: i64,
}

/// The secret question on file and the hash of its folded answer.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretOnFile {
    pub question: SecretQuestion,
    pub answer_hash: String,
}

/// An account as stored. Personal data stays in this value; only masked forms leave it for logs.
#[derive(Clone)]
pub struct Account {
    pub rut: Rut,
    /// Argon2id PHC string; `None` for imported accounts that never chose a CS.
    pub cs_hash: Option<String>,
    /// `None` for imported accounts (§3.1).
    pub secret: Option<SecretOnFile>,
    /// `None` for imported accounts.
    pub address: Option<Address>,
    pub email: Email,
    pub home_phone: Option<Phone>,
    pub work_phone: Option<Phone>,
    /// `None`: "Sin celular".
    pub mobile: Option<Mobile>,
    pub provisional: Option<ProvisionalKey>,
    /// When "No fui yo" froze it: login and changes are refused until a recovery with the card's serial.
    pub frozen_at: Option<i64>,
    /// The e-mail was proved: the registration's link followed, or a code typed back.
    pub email_confirmed: bool,
    /// The language of its e-mails and SMS.
    pub language: Language,
}

/// Where an account came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Registration,
    Legacy,
}

impl Origin {
    const fn as_str(self) -> &'static str {
        match self {
            Origin::Registration => "registration",
            Origin::Legacy => "legacy",
        }
    }
}

/// What an insert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Created,
    /// The RUT already has an account (the primary key decides under concurrency).
    RutTaken,
}

/// A row in the order of [`select!`].
type Row = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
);

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("accounts.{what}"))
}

fn optional<T, E>(raw: Option<String>, parse: fn(&str) -> Result<T, E>, what: &str) -> Result<Option<T>, StoreError> {
    raw.as_deref().map(parse).transpose().map_err(|_| corrupt(what))
}

impl Account {
    fn from_row(row: Row) -> Result<Self, StoreError> {
        let (
            rut,
            cs_hash,
            question,
            answer_hash,
            street,
            street_number,
            block,
            apartment,
            comuna,
            email,
            home_phone,
            work_phone,
            mobile,
            provisional_hash,
            provisional_expires_at,
            frozen_at,
            email_confirmed_at,
            language,
        ) = row;
        let secret = match (question, answer_hash) {
            (Some(question), Some(answer_hash)) => Some(SecretOnFile {
                question: SecretQuestion::parse(&question).map_err(|_| corrupt("question"))?,
                answer_hash,
            }),
            _ => None,
        };
        let address = match (street, street_number, comuna) {
            (Some(street), Some(number), Some(comuna)) => Some(Address {
                street,
                number,
                block,
                apartment,
                comuna: Comuna::parse(&comuna).map_err(|_| corrupt("comuna"))?,
            }),
            _ => None,
        };
        let provisional = match (provisional_hash, provisional_expires_at) {
            (Some(hash), Some(expires_at)) => Some(ProvisionalKey { hash, expires_at }),
            _ => None,
        };
        Ok(Account {
            rut: Rut::parse(&rut).map_err(|_| corrupt("rut"))?,
            cs_hash,
            secret,
            address,
            email: Email::parse(&email).map_err(|_| corrupt("email"))?,
            home_phone: optional(home_phone, Phone::parse, "home_phone")?,
            work_phone: optional(work_phone, Phone::parse, "work_phone")?,
            mobile: optional(mobile, Mobile::parse, "mobile")?,
            provisional,
            frozen_at,
            email_confirmed: email_confirmed_at.is_some(),
            language: Language::parse(&language).ok_or_else(|| corrupt("language"))?,
        })
    }
}

/// The address and contacts of `account`, as stored: `street, street_number, block, apartment, comuna, email,
/// home_phone, work_phone, mobile`.
fn address_and_contacts(account: &Account) -> [Value; 9] {
    let address = account.address.as_ref();
    [
        address.map(|a| a.street.clone()).into(),
        address.map(|a| a.number.clone()).into(),
        address.and_then(|a| a.block.clone()).into(),
        address.and_then(|a| a.apartment.clone()).into(),
        address.map(|a| a.comuna.code().to_owned()).into(),
        account.email.to_string().into(),
        account.home_phone.map(|p| p.to_string()).into(),
        account.work_phone.map(|p| p.to_string()).into(),
        account.mobile.map(Mobile::e164).into(),
    ]
}

/// Every column of an account, in the order of [`Row`].
macro_rules! select {
    () => {
        "SELECT rut, cs_hash, question, answer_hash, street, street_number, block, apartment, comuna, email, \
         home_phone, work_phone, mobile, provisional_hash, provisional_expires_at, frozen_at, email_confirmed_at, \
         language FROM accounts"
    };
}

pub async fn find(db: Db<'_>, rut: Rut) -> Result<Option<Account>, StoreError> {
    let row: Option<Row> = db.fetch_optional(concat!(select!(), " WHERE rut = $1"), params![rut.canonical()]).await?;
    row.map(Account::from_row).transpose()
}

/// Every account, in RUT order (tests and operators' checks on small databases).
pub async fn all(db: Db<'_>) -> Result<Vec<Account>, StoreError> {
    let rows: Vec<Row> = db.fetch_all(concat!(select!(), " ORDER BY rut"), &[]).await?;
    rows.into_iter().map(Account::from_row).collect()
}

pub async fn exists(db: Db<'_>, rut: Rut) -> Result<bool, StoreError> {
    let (count,): (i64,) =
        db.fetch_one("SELECT COUNT(*) FROM accounts WHERE rut = $1", params![rut.canonical()]).await?;
    Ok(count > 0)
}

pub async fn count(db: Db<'_>) -> Result<i64, StoreError> {
    let (count,): (i64,) = db.fetch_one("SELECT COUNT(*) FROM accounts", &[]).await?;
    Ok(count)
}

/// Inserts a new account; `RutTaken` when the RUT already has one.
pub async fn insert(db: Db<'_>, account: &Account, origin: Origin, now: i64) -> Result<Inserted, StoreError> {
    let secret = account.secret.as_ref();
    let provisional = account.provisional.as_ref();
    let mut values = params![
        account.rut.canonical(),
        account.cs_hash.clone(),
        secret.map(|s| s.question.code()),
        secret.map(|s| s.answer_hash.clone())
    ]
    .to_vec();
    values.extend(address_and_contacts(account));
    values.extend_from_slice(params![
        provisional.map(|p| p.hash.clone()),
        provisional.map(|p| p.expires_at),
        origin.as_str(),
        now,
        now,
        account.language.code()
    ]);
    let result = db
        .execute(
            "INSERT INTO accounts (rut, cs_hash, question, answer_hash, street, street_number, block, apartment, \
             comuna, email, home_phone, work_phone, mobile, provisional_hash, provisional_expires_at, origin, \
             created_at, updated_at, language) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
            &values,
        )
        .await;
    match result {
        Ok(_) => Ok(Inserted::Created),
        Err(error) if error.is_unique_violation() => Ok(Inserted::RutTaken),
        Err(error) => Err(error),
    }
}

/// Inserts an imported account (no CS, no question) unless the RUT exists (idempotent legacy import). Its
/// e-mail counts as confirmed: the earlier system has been writing to it.
pub async fn insert_legacy(
    db: Db<'_>,
    rut: Rut,
    email: &Email,
    mobile: Option<Mobile>,
    now: i64,
) -> Result<Inserted, StoreError> {
    let inserted = db
        .execute(
            "INSERT INTO accounts (rut, email, mobile, origin, created_at, updated_at, email_confirmed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $5) ON CONFLICT (rut) DO NOTHING",
            params![rut.canonical(), email.to_string(), mobile.map(Mobile::e164), Origin::Legacy.as_str(), now, now],
        )
        .await?;
    Ok(if inserted == 1 { Inserted::Created } else { Inserted::RutTaken })
}

/// Stores a provisional CS (recovery), optionally replacing e-mail and mobile (§3.1(7), §3.2(8)).
pub async fn set_provisional(
    db: Db<'_>,
    rut: Rut,
    key: &ProvisionalKey,
    replacement: Option<(&Email, Mobile)>,
    now: i64,
) -> Result<(), StoreError> {
    let (email, mobile) = replacement.unzip();
    db.execute(
        "UPDATE accounts SET provisional_hash = $1, provisional_expires_at = $2, email = COALESCE($3, email), \
         mobile = COALESCE($4, mobile), updated_at = $5 WHERE rut = $6",
        params![
            key.hash.clone(),
            key.expires_at,
            email.map(Email::to_string),
            mobile.map(Mobile::e164),
            now,
            rut.canonical()
        ],
    )
    .await?;
    Ok(())
}

/// Sets a new CS and discards any provisional one (§4).
pub async fn set_clave(db: Db<'_>, rut: Rut, cs_hash: &str, now: i64) -> Result<(), StoreError> {
    db.execute(
        "UPDATE accounts SET cs_hash = $1, provisional_hash = NULL, provisional_expires_at = NULL, updated_at = $2 \
         WHERE rut = $3",
        params![cs_hash, now, rut.canonical()],
    )
    .await?;
    Ok(())
}

/// Stores a secret question and answer (update §5(4), for accounts that had none).
pub async fn set_secret(db: Db<'_>, rut: Rut, secret: &SecretOnFile, now: i64) -> Result<(), StoreError> {
    db.execute(
        "UPDATE accounts SET question = $1, answer_hash = $2, updated_at = $3 WHERE rut = $4",
        params![secret.question.code(), secret.answer_hash.clone(), now, rut.canonical()],
    )
    .await?;
    Ok(())
}

/// Replaces address, contacts (§5(5)) and language with those of `account`.
pub async fn set_personal_data(db: Db<'_>, account: &Account, now: i64) -> Result<(), StoreError> {
    let mut values = address_and_contacts(account).to_vec();
    values.extend_from_slice(params![now, account.language.code(), account.rut.canonical()]);
    db.execute(
        "UPDATE accounts SET street = $1, street_number = $2, block = $3, apartment = $4, comuna = $5, email = $6, \
         home_phone = $7, work_phone = $8, mobile = $9, updated_at = $10, language = $11 WHERE rut = $12",
        &values,
    )
    .await?;
    Ok(())
}

/// Inserts `count` accounts with RUT bodies from `first_body` on, all with the same CS hash, in batches (the
/// benchmark's 1 000 000 accounts). Returns how many were inserted.
pub async fn insert_synthetic(
    store: &Store,
    first_body: u32,
    count: u32,
    cs_hash: &str,
    now: i64,
) -> Result<u64, StoreError> {
    const BATCH: u32 = 500;
    let mut inserted = 0;
    let mut body = first_body;
    let end = first_body.saturating_add(count);
    while body < end {
        let batch_end = body.saturating_add(BATCH).min(end);
        let mut tx = store.begin().await?;
        let mut values = Vec::new();
        for b in body..batch_end {
            if let Some(rut) = Rut::from_body(b) {
                values.push(rut.canonical());
            }
        }
        let statement = format!(
            "INSERT INTO accounts (rut, cs_hash, email, origin, created_at, updated_at) VALUES {} \
             ON CONFLICT (rut) DO NOTHING",
            sql::placeholders(values.len(), 6)
        );
        let mut params = Vec::with_capacity(values.len() * 6);
        for rut in &values {
            let email = format!("bench{}@example.cl", rut.replace('-', ""));
            params.extend_from_slice(params![rut, cs_hash, email, Origin::Legacy.as_str(), now, now]);
        }
        inserted += tx.db().execute(&statement, &params).await?;
        tx.commit().await?;
        body = batch_end;
    }
    // Settled as a database that grew over years would be: statistics current and, on PostgreSQL, no
    // autovacuum of the bulk load left to compete with what is measured next.
    let settle = match store.engine() {
        super::Engine::Postgres => "VACUUM (ANALYZE) accounts",
        super::Engine::Sqlite => "ANALYZE accounts",
    };
    store.writer().execute(settle, &[]).await?;
    Ok(inserted)
}

/// "No fui yo": freezes the account, cancels any provisional CS and puts back `undo`'s contacts and language.
pub async fn freeze(db: Db<'_>, rut: Rut, undo: Option<&super::links::Undo>, now: i64) -> Result<(), StoreError> {
    let contacts = undo.filter(|undo| undo.contacts);
    db.execute(
        "UPDATE accounts SET frozen_at = COALESCE(frozen_at, $1), provisional_hash = NULL, \
         provisional_expires_at = NULL, email = COALESCE($2, email), \
         mobile = CASE WHEN $3 = 1 THEN $4 ELSE mobile END, language = COALESCE($5, language), updated_at = $1 \
         WHERE rut = $6",
        params![
            now,
            contacts.map(|u| u.email.to_string()),
            i64::from(contacts.is_some()),
            contacts.and_then(|u| u.mobile).map(Mobile::e164),
            undo.and_then(|u| u.language).map(Language::code),
            rut.canonical()
        ],
    )
    .await?;
    Ok(())
}

/// A recovery with the card's serial lifts a freeze.
pub async fn unfreeze(db: Db<'_>, rut: Rut) -> Result<(), StoreError> {
    db.execute("UPDATE accounts SET frozen_at = NULL WHERE rut = $1", params![rut.canonical()]).await?;
    Ok(())
}

/// Where an account came from and when it was created and last changed (the citizen's own view).
pub async fn dates(db: Db<'_>, rut: Rut) -> Result<Option<(String, i64, i64)>, StoreError> {
    db.fetch_optional("SELECT origin, created_at, updated_at FROM accounts WHERE rut = $1", params![rut.canonical()])
        .await
}

/// Marks the e-mail on file as proved, if it is still `email`.
pub async fn confirm_email(db: Db<'_>, rut: Rut, email: &Email, now: i64) -> Result<bool, StoreError> {
    let changed = db
        .execute(
            "UPDATE accounts SET email_confirmed_at = $1 WHERE rut = $2 AND lower(email) = lower($3)",
            params![now, rut.canonical(), email.to_string()],
        )
        .await?;
    Ok(changed == 1)
}
