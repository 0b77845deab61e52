//! The "Domicilio" block of §2(4) and §5(5): Dirección Particular*, N° de Dirección Particular*, Block,
//! N° de Departamento, Región*, Comuna*.

use serde::{Deserialize, Serialize};

use crate::{Comuna, ErrorCode, FieldErrors, Region};

/// The address as the form sends it (raw text; parsed with [`Address::parse`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressForm {
    /// "Dirección Particular": passage or street.
    pub street: String,
    /// "N° de Dirección Particular".
    pub number: String,
    #[serde(default)]
    pub block: String,
    /// "N° de Departamento".
    #[serde(default)]
    pub apartment: String,
    /// Official región code (CUT), e.g. `13`.
    pub region: String,
    /// Official comuna code (CUT), e.g. `13101`.
    pub comuna: String,
}

/// A checked address; `comuna` lies in its región by construction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street: String,
    pub number: String,
    pub block: Option<String>,
    pub apartment: Option<String>,
    pub comuna: Comuna,
}

/// Free text of a form: trimmed, at most `max` characters, no control characters. Empty → `None`.
pub fn optional_text(raw: &str, max: usize) -> Result<Option<String>, ErrorCode> {
    let text = raw.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > max {
        return Err(ErrorCode::TextTooLong);
    }
    if text.chars().any(char::is_control) {
        return Err(ErrorCode::TextInvalid);
    }
    Ok(Some(text.to_owned()))
}

/// Like [`optional_text`], but empty is refused with `required`.
pub fn required_text(raw: &str, max: usize) -> Result<String, ErrorCode> {
    optional_text(raw, max)?.ok_or(ErrorCode::Required)
}

impl Address {
    /// Parses every field, recording refusals under `address.<field>`.
    pub fn parse(form: &AddressForm, errors: &mut FieldErrors) -> Option<Address> {
        let street = errors.check("address.street", required_text(&form.street, 100));
        let number = errors.check("address.number", required_text(&form.number, 10));
        let block = errors.check("address.block", optional_text(&form.block, 10));
        let apartment = errors.check("address.apartment", optional_text(&form.apartment, 10));
        let region = errors.check("address.region", Region::parse(&form.region));
        let comuna = region.and_then(|region| errors.check("address.comuna", Comuna::parse_in(&form.comuna, region)));
        Some(Address { street: street?, number: number?, block: block?, apartment: apartment?, comuna: comuna? })
    }

    /// Back to the form shape (for showing what is on file).
    pub fn to_form(&self) -> AddressForm {
        AddressForm {
            street: self.street.clone(),
            number: self.number.clone(),
            block: self.block.clone().unwrap_or_default(),
            apartment: self.apartment.clone().unwrap_or_default(),
            region: self.comuna.region().code().to_owned(),
            comuna: self.comuna.code().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AddressForm {
        AddressForm {
            street: " Av. Libertador Bernardo O'Higgins ".into(),
            number: "1234".into(),
            block: String::new(),
            apartment: "56".into(),
            region: "13".into(),
            comuna: "13101".into(),
        }
    }

    #[test]
    fn parses_and_round_trips() {
        let mut errors = FieldErrors::new();
        let address = Address::parse(&form(), &mut errors);
        assert!(errors.is_empty());
        let address = address.unwrap_or_else(|| unreachable!());
        assert_eq!(address.street, "Av. Libertador Bernardo O'Higgins");
        assert_eq!(address.block, None);
        let mut again = FieldErrors::new();
        assert_eq!(Address::parse(&address.to_form(), &mut again), Some(address));
    }

    #[test]
    fn reports_each_bad_field() {
        let mut errors = FieldErrors::new();
        let bad = AddressForm { street: String::new(), region: "13".into(), comuna: "05101".into(), ..form() };
        assert_eq!(Address::parse(&bad, &mut errors), None);
        assert_eq!(errors.get("address.street"), Some(ErrorCode::Required));
        assert_eq!(errors.get("address.comuna"), Some(ErrorCode::ComunaNotInRegion));
    }
}
