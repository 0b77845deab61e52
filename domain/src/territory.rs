//! `Region` and `Comuna`: Chile's 16 regions and 346 comunas with their official territorial codes (CUT,
//! SUBDERE 2018), shipped in `data/regiones-comunas.json`. A comuna must belong to the chosen región (§2(4)).

use std::fmt;
use std::sync::LazyLock;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ErrorCode;

#[derive(Debug, Deserialize)]
struct RegionData {
    code: String,
    roman: String,
    name: String,
    comunas: Vec<ComunaData>,
}

#[derive(Debug, Deserialize)]
struct ComunaData {
    code: String,
    name: String,
}

static REGIONS: LazyLock<Vec<RegionData>> = LazyLock::new(|| {
    // The file is part of the crate and checked by a test; a parse failure is a build defect.
    serde_json::from_str(include_str!("../data/regiones-comunas.json")).unwrap_or_default()
});

/// A región, by its position in the north-to-south list.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region(usize);

/// A comuna, by its región and its position in that región.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Comuna {
    region: usize,
    index: usize,
}

impl Region {
    /// Every región, north to south (the order of the form's select).
    pub fn all() -> impl Iterator<Item = Region> {
        (0..REGIONS.len()).map(Region)
    }

    /// Parses the official two-digit code (`13` for Metropolitana).
    pub fn parse(code: &str) -> Result<Self, ErrorCode> {
        let code = code.trim();
        if code.is_empty() {
            return Err(ErrorCode::Required);
        }
        REGIONS.iter().position(|r| r.code == code).map(Region).ok_or(ErrorCode::RegionUnknown)
    }

    fn data(self) -> &'static RegionData {
        &REGIONS[self.0]
    }

    pub fn code(self) -> &'static str {
        &self.data().code
    }

    pub fn roman(self) -> &'static str {
        &self.data().roman
    }

    pub fn name(self) -> &'static str {
        &self.data().name
    }

    /// The comunas of this región, in the official order.
    pub fn comunas(self) -> impl Iterator<Item = Comuna> {
        (0..self.data().comunas.len()).map(move |index| Comuna { region: self.0, index })
    }
}

impl Comuna {
    /// Parses the official five-digit code (`13101` for Santiago).
    pub fn parse(code: &str) -> Result<Self, ErrorCode> {
        let code = code.trim();
        if code.is_empty() {
            return Err(ErrorCode::Required);
        }
        REGIONS
            .iter()
            .enumerate()
            .find_map(|(region, r)| r.comunas.iter().position(|c| c.code == code).map(|index| Comuna { region, index }))
            .ok_or(ErrorCode::ComunaUnknown)
    }

    /// Parses a comuna that must lie in `region`.
    pub fn parse_in(code: &str, region: Region) -> Result<Self, ErrorCode> {
        let comuna = Comuna::parse(code)?;
        if comuna.region() == region { Ok(comuna) } else { Err(ErrorCode::ComunaNotInRegion) }
    }

    pub fn region(self) -> Region {
        Region(self.region)
    }

    pub fn code(self) -> &'static str {
        &REGIONS[self.region].comunas[self.index].code
    }

    pub fn name(self) -> &'static str {
        &REGIONS[self.region].comunas[self.index].name
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({} {})", self.code(), self.name())
    }
}

impl fmt::Display for Comuna {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Comuna {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Comuna({} {})", self.code(), self.name())
    }
}

/// A comuna travels as its official code (`"13101"`), as in the database.
impl Serialize for Comuna {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Comuna {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Comuna::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ships_16_regions_and_346_comunas() {
        assert_eq!(Region::all().count(), 16);
        assert_eq!(Region::all().map(|r| r.comunas().count()).sum::<usize>(), 346);
        let codes: std::collections::HashSet<_> = Region::all().flat_map(Region::comunas).map(Comuna::code).collect();
        assert_eq!(codes.len(), 346, "comuna codes are unique");
    }

    #[test]
    fn nuble_lies_between_maule_and_biobio() {
        let names: Vec<_> = Region::all().map(Region::name).collect();
        let pos = |n: &str| names.iter().position(|x| x.contains(n));
        assert_eq!(pos("Ñuble").map(|i| i + 1), pos("Biobío"));
        assert_eq!(pos("Maule").map(|i| i + 1), pos("Ñuble"));
    }

    #[test]
    fn comuna_must_belong_to_its_region() {
        let rm = Region::parse("13").unwrap_or_else(|_| unreachable!());
        assert_eq!(Comuna::parse_in("13101", rm).map(Comuna::name), Ok("Santiago"));
        assert_eq!(Comuna::parse_in("05101", rm), Err(ErrorCode::ComunaNotInRegion));
        assert_eq!(Comuna::parse_in("99999", rm), Err(ErrorCode::ComunaUnknown));
        assert_eq!(Region::parse("17"), Err(ErrorCode::RegionUnknown));
    }

    proptest! {
        #[test]
        fn display_round_trips(i in 0usize..346) {
            let comuna = Region::all().flat_map(Region::comunas).nth(i).unwrap_or_else(|| unreachable!());
            prop_assert_eq!(Comuna::parse(&comuna.to_string()), Ok(comuna));
            prop_assert_eq!(Region::parse(&comuna.region().to_string()), Ok(comuna.region()));
        }

        #[test]
        fn arbitrary_strings_never_panic(raw in "\\PC*") {
            let _ = Region::parse(&raw);
            let _ = Comuna::parse(&raw);
        }
    }
}
