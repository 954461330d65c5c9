//! Families: children with their mothers, fathers, step-parents and grandparents, their
//! households and addresses, and the relationships between them.
//!
//! Rows are built with the application's own functions (`build_row`, `snapshot`,
//! `build_name_rows`), so search keys and version snapshots are exactly what the application
//! would have stored had someone typed each person in.

use cairn_core::people::{PersonKind, build_name_rows, build_row, snapshot};
use cairn_db::people::{AddressRow, PersonNameRow, PersonVersionRow, RelationshipRow};
use cairn_domain::codes::{Disability, Ethnicity, Sex};
use cairn_domain::identifiers::{
    LaChildId, NhsNumber, Upn, nhs_check_digit, normalise_postcode_for_search, upn_check_letter,
};
use cairn_domain::person::PersonDetails;
use cairn_domain::relationships::RelationshipKind;
use chrono::{Days, NaiveDate, NaiveDateTime};

use crate::names::{
    BLOCKS, CHILD_ETHNICITY, Heritage, INWARD_LETTERS, LOCALITIES, STAFF_HERITAGE, STREET_KINDS,
    STREETS, TOWNS, heritage_of,
};
use crate::rng::{Ids, Rng};
use crate::{DemoError, bulk};

/// Who is recorded as the author of generated rows. Not a user id: nobody typed them in.
pub const DEMO_AUTHOR: &str = "demo-generator";

/// The local authority number in generated UPNs. UPNs must carry a recognised LA number to
/// pass validation; 931 is used only because the domain list recognises it.
pub const UPN_LA: u16 = 931;

/// Rows for a run of whole families, handed from the generating thread to the writing one.
#[derive(Default)]
pub(crate) struct Batch {
    pub people: Vec<bulk::Person>,
    pub names: Vec<PersonNameRow>,
    /// (index into `people`, disability code).
    pub disabilities: Vec<(usize, &'static str)>,
    pub versions: Vec<bulk::Version>,
    pub addresses: Vec<bulk::Address>,
    pub relationships: Vec<bulk::Relationship>,
    pub children: u64,
    pub adults: u64,
}

/// What is known about one person before their rows are built.
struct Spec {
    kind: PersonKind,
    given: Option<String>,
    family: String,
    dob: Option<NaiveDate>,
    expected: Option<NaiveDate>,
    dod: Option<NaiveDate>,
    sex: Sex,
    ethnicity: Option<Ethnicity>,
    language: &'static str,
    interpreter: bool,
    religion: Option<&'static str>,
    disabilities: Vec<Disability>,
    nhs: bool,
    upn: bool,
    other_names: Vec<String>,
}

/// A person once added: their id and date of birth (None before birth).
#[derive(Clone)]
struct Member {
    id: String,
    dob: Option<NaiveDate>,
}

struct Address {
    line1: String,
    line2: Option<String>,
    town: &'static str,
    postcode: String,
    confidential: bool,
}

/// How many children a family has: 1–4, mean about 1.9.
const CHILDREN_PER_FAMILY: &[(u64, u32)] = &[(1, 420), (2, 330), (3, 170), (4, 80)];

const DAYS_PER_YEAR: i64 = 365;
/// Oldest child: a day short of 18 years (18 × 365 days is 4 or 5 days less than 18 years).
const MAX_CHILD_AGE_DAYS: i64 = 18 * DAYS_PER_YEAR - 1;

const DISABILITIES: &[(Disability, u32)] = &[
    (Disability::Autism, 30),
    (Disability::Learning, 22),
    (Disability::Communication, 14),
    (Disability::Behaviour, 10),
    (Disability::Mobility, 6),
    (Disability::Hearing, 4),
    (Disability::Vision, 3),
    (Disability::PersonalCare, 3),
    (Disability::HandFunction, 2),
    (Disability::Incontinence, 2),
    (Disability::Consciousness, 1),
    (Disability::Other, 3),
];

pub(crate) struct Generator {
    rng: Rng,
    ids: Ids,
    as_at: NaiveDateTime,
    today: NaiveDate,
    prefix: String,
    next_local: u64,
    /// The next NHS number's first nine digits, counting down from the 999 test range.
    nhs_next: u64,
    upn_next: u64,
    children_left: u64,
    /// (index into TOWNS, population weight).
    town_weights: Vec<(usize, u32)>,
}

impl Generator {
    pub(crate) fn new(
        seed: u64,
        ids: Ids,
        as_at: NaiveDateTime,
        prefix: &str,
        first_local: u64,
        children: u64,
    ) -> Generator {
        Generator {
            rng: Rng::new(seed, 2),
            ids,
            as_at,
            today: as_at.date(),
            prefix: prefix.to_string(),
            next_local: first_local,
            nhs_next: 999_999_998,
            upn_next: 0,
            children_left: children,
            town_weights: TOWNS
                .iter()
                .enumerate()
                .map(|(i, t)| (i, t.weight))
                .collect(),
        }
    }

    pub(crate) fn done(&self) -> bool {
        self.children_left == 0
    }

    /// The local id number the next person would get: after the run, the sequence's next value.
    pub(crate) fn next_local(&self) -> u64 {
        self.next_local
    }

    /// Whole families until at least `children` more children (or all that are left).
    pub(crate) fn batch(&mut self, children: u64) -> Result<Batch, DemoError> {
        let mut b = Batch::default();
        while b.children < children && self.children_left > 0 {
            let n = self
                .rng
                .weighted(CHILDREN_PER_FAMILY)
                .min(self.children_left);
            self.family(&mut b, n)?;
            self.children_left -= n;
        }
        Ok(b)
    }

    fn days_before(&self, days: i64) -> NaiveDate {
        shift(self.today, -days)
    }

    fn nhs_number(&mut self) -> Result<NhsNumber, DemoError> {
        // Counting keeps numbers unique without remembering them. Starting at the top of the
        // 999 range (which the NHS never issues to patients) keeps the first nine million
        // clear of real people; prefixes with no valid check digit are skipped.
        while self.nhs_next >= 100_000_000 {
            let first_nine = format!("{:09}", self.nhs_next);
            self.nhs_next -= 1;
            if let Some(check) = nhs_check_digit(&first_nine)
                && let Ok(n) = NhsNumber::parse(&format!("{first_nine}{check}"))
            {
                return Ok(n);
            }
        }
        Err(DemoError::Exhausted("NHS numbers"))
    }

    fn upn(&mut self) -> Result<Upn, DemoError> {
        // LA number, then a nine-digit counter (establishment, year and serial in real UPNs):
        // unique by construction.
        if self.upn_next >= 800_000_000 {
            return Err(DemoError::Exhausted("UPNs"));
        }
        let body = format!("{UPN_LA:03}{:09}", 200_000_000 + self.upn_next);
        self.upn_next += 1;
        let check = upn_check_letter(&body).ok_or(DemoError::Internal("UPN check letter"))?;
        Upn::parse(&format!("{check}{body}")).map_err(|_| DemoError::Internal("UPN shape"))
    }

    fn add_person(&mut self, b: &mut Batch, s: Spec) -> Result<Member, DemoError> {
        let id = self.ids.next();
        let local = LaChildId::from_sequence(&self.prefix, self.next_local);
        self.next_local += 1;
        let nhs_number = if s.nhs {
            Some(self.nhs_number()?)
        } else {
            None
        };
        let upn = if s.upn { Some(self.upn()?) } else { None };
        let details = PersonDetails {
            given_names: s.given,
            family_name: s.family,
            other_names: s.other_names,
            is_unborn: s.dob.is_none() && s.expected.is_some(),
            date_of_birth: s.dob,
            expected_date_of_birth: s.expected,
            sex: s.sex,
            gender_identity: None,
            ethnicity: s.ethnicity,
            first_language: Some(s.language.to_string()),
            interpreter_needed: s.interpreter,
            religion: s.religion.map(str::to_string),
            disabilities: s.disabilities,
            nhs_number,
            upn,
            former_upn: None,
            date_of_death: s.dod,
        };
        let at = self.as_at;
        let row = build_row(
            &id,
            local.as_str(),
            s.kind,
            &details,
            1,
            DEMO_AUTHOR,
            at,
            at,
        );
        for mut name in build_name_rows(&id, &details.other_names, at) {
            // build_name_rows gives fresh clock-based ids; the demo's must follow the seed.
            name.id = self.ids.next();
            b.names.push(name);
        }
        let index = b.people.len();
        for d in &details.disabilities {
            b.disabilities.push((index, d.code()));
        }
        b.versions.push(
            PersonVersionRow {
                id: self.ids.next(),
                person_id: id.clone(),
                version: 1,
                snapshot: snapshot(s.kind, &details).to_string(),
                changed_at: at,
                changed_by: DEMO_AUTHOR.to_string(),
                change_reason: None,
            }
            .into(),
        );
        b.people.push(row.into());
        match s.kind {
            PersonKind::Child => b.children += 1,
            PersonKind::Adult => b.adults += 1,
        }
        Ok(Member { id, dob: s.dob })
    }

    fn relate(
        &mut self,
        b: &mut Batch,
        a: &Member,
        kind: RelationshipKind,
        to: &Member,
        lives_together: bool,
        started_on: Option<NaiveDate>,
    ) {
        b.relationships.push(
            RelationshipRow {
                id: self.ids.next(),
                person_a: a.id.clone(),
                person_b: to.id.clone(),
                kind: kind.code().to_string(),
                lives_together,
                started_on,
                ended_on: None,
                created_at: self.as_at,
                created_by: DEMO_AUTHOR.to_string(),
                entered_in_error_at: None,
                entered_in_error_reason: None,
            }
            .into(),
        );
    }

    fn address(&mut self) -> Address {
        let town = &TOWNS[self.rng.weighted(&self.town_weights)];
        let district = self.rng.pick(town.districts);
        let sector = self.rng.below(10);
        let l1 = char::from(*self.rng.pick(INWARD_LETTERS));
        let l2 = char::from(*self.rng.pick(INWARD_LETTERS));
        let street = format!("{} {}", self.rng.pick(STREETS), self.rng.pick(STREET_KINDS));
        let (line1, line2) = if self.rng.chance(150) {
            (
                format!("Flat {}, {}", self.rng.range(1, 40), self.rng.pick(BLOCKS)),
                Some(street),
            )
        } else {
            let locality = self
                .rng
                .chance(300)
                .then(|| (*self.rng.pick(LOCALITIES)).to_string());
            (format!("{} {street}", self.rng.range(1, 180)), locality)
        };
        Address {
            line1,
            line2,
            town: town.name,
            postcode: format!("DC{district} {sector}{l1}{l2}"),
            // A handful of households are at addresses that must not be disclosed (a refuge).
            confidential: self.rng.chance(5),
        }
    }

    fn live_at(
        &mut self,
        b: &mut Batch,
        who: &Member,
        a: &Address,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) {
        b.addresses.push(
            AddressRow {
                id: self.ids.next(),
                person_id: who.id.clone(),
                line1: a.line1.clone(),
                line2: a.line2.clone(),
                town: Some(a.town.to_string()),
                postcode: Some(a.postcode.clone()),
                postcode_search: Some(normalise_postcode_for_search(&a.postcode)),
                confidential: a.confidential,
                from_date: from,
                to_date: to,
                created_at: self.as_at,
                created_by: DEMO_AUTHOR.to_string(),
                entered_in_error_at: None,
                entered_in_error_reason: None,
            }
            .into(),
        );
    }

    fn given_name(&mut self, heritage: Heritage, sex: Sex, middle: bool) -> String {
        let pool = heritage.pool();
        let list = if sex == Sex::Female {
            pool.female
        } else {
            pool.male
        };
        let first = *self.rng.pick(list);
        if middle {
            let second = *self.rng.pick(list);
            if second != first {
                return format!("{first} {second}");
            }
        }
        first.to_string()
    }

    fn language(&mut self, heritage: Heritage) -> &'static str {
        self.rng.weighted(heritage.languages())
    }

    /// One family of `n` children (the youngest possibly unborn) and the adults around them.
    fn family(&mut self, b: &mut Batch, n: u64) -> Result<(), DemoError> {
        let n = n.max(1) as usize;
        let rng = &mut self.rng;

        // Ethnicity: children of mixed heritage have parents of the two heritages.
        let child_eth = rng.weighted(CHILD_ETHNICITY);
        let other_parent = |rng: &mut Rng, options: &[Ethnicity]| *rng.pick(options);
        let (mother_eth, father_eth) = match child_eth {
            Ethnicity::WhiteAndBlackCaribbean => {
                (Ethnicity::WhiteBritish, Ethnicity::BlackCaribbean)
            }
            Ethnicity::WhiteAndBlackAfrican => (Ethnicity::WhiteBritish, Ethnicity::BlackAfrican),
            Ethnicity::WhiteAndAsian => (
                Ethnicity::WhiteBritish,
                other_parent(rng, &[Ethnicity::Indian, Ethnicity::Pakistani]),
            ),
            Ethnicity::AnyOtherMixedBackground => (
                Ethnicity::WhiteBritish,
                other_parent(
                    rng,
                    &[
                        Ethnicity::AnyOtherWhiteBackground,
                        Ethnicity::AnyOtherAsianBackground,
                        Ethnicity::AnyOtherEthnicGroup,
                        Ethnicity::Chinese,
                    ],
                ),
            ),
            e => (e, e),
        };
        let (mother_eth, father_eth) = if rng.chance(500) {
            (mother_eth, father_eth)
        } else {
            (father_eth, mother_eth)
        };
        let unrecorded = matches!(
            child_eth,
            Ethnicity::Refused | Ethnicity::InformationNotYetObtained
        );
        let (mother_h, father_h) = if unrecorded {
            let h = rng.weighted(STAFF_HERITAGE);
            (h, h)
        } else {
            (heritage_of(mother_eth), heritage_of(father_eth))
        };
        let adult_eth = |e: Ethnicity, rng: &mut Rng| -> Option<Ethnicity> {
            // Adults' ethnicity is often not asked; "refused" and "not yet obtained" carry over.
            if unrecorded {
                Some(child_eth)
            } else if rng.chance(120) {
                None
            } else {
                Some(e)
            }
        };
        let mother_eth = adult_eth(mother_eth, rng);
        let father_eth = adult_eth(father_eth, rng);

        let family_language = rng.weighted(mother_h.languages());
        let religion = rng.chance(450).then(|| rng.weighted(mother_h.religions()));

        // Children's dates: eldest first. Gaps of one to six years, with the odd twin.
        let unborn = rng.chance(30);
        let born = if unborn { n - 1 } else { n };
        let max_gap = if born > 1 {
            (6_200 / (born as i64 - 1)).min(2_200)
        } else {
            2_200
        };
        let gaps: Vec<i64> = (1..born.max(1))
            .map(|_| {
                if rng.chance(20) {
                    0
                } else {
                    rng.range(330, max_gap)
                }
            })
            .collect();
        let spread: i64 = gaps.iter().sum();
        // With a pregnancy the youngest born child is at least nine months old.
        let youngest_min = if unborn && born > 0 { 270 } else { 0 };
        let youngest_age = rng.range(
            youngest_min,
            (MAX_CHILD_AGE_DAYS - spread).max(youngest_min),
        );
        let mut ages = vec![youngest_age];
        for g in gaps.iter().rev() {
            let next = ages[ages.len() - 1] + g;
            ages.push(next);
        }
        ages.reverse();
        let mut child_dobs: Vec<Option<NaiveDate>> = if born == 0 {
            Vec::new()
        } else {
            ages.iter().map(|a| Some(shift(self.today, -a))).collect()
        };
        let expected = unborn.then(|| shift(self.today, self.rng.range(7, 182)));
        if unborn {
            child_dobs.push(None);
        }
        let rng = &mut self.rng;
        let first_birth = child_dobs[0].or(expected).unwrap_or(self.today);
        let last_birth = child_dobs
            .last()
            .copied()
            .flatten()
            .or(expected)
            .unwrap_or(self.today);
        let span = (last_birth - first_birth).num_days();

        // Half-siblings: in one family in five with several children, the younger ones have a
        // different father.
        let split = (n >= 2 && rng.chance(200)).then(|| rng.range(1, n as i64 - 1) as usize);
        let group_of = |i: usize| usize::from(split.is_some_and(|k| i >= k));
        let groups = if split.is_some() { 2 } else { 1 };
        let father_recorded: Vec<bool> = (0..groups).map(|_| rng.chance(650)).collect();
        let father_surnames: Vec<&'static str> = (0..groups)
            .map(|_| *rng.pick(father_h.pool().family))
            .collect();

        // A pregnancy is always recorded with the mother.
        let mother_present = unborn || rng.chance(970);
        let grandparent = !mother_present || rng.chance(50);
        let grandparent_cares = grandparent && (!mother_present || rng.chance(300));
        let mother_resident = mother_present && !grandparent_cares;
        let last = groups - 1;
        let father_resident = mother_resident && father_recorded[last] && rng.chance(550);
        let step_parent = mother_resident && !father_resident && rng.chance(100);

        // Surnames: the mother's own; some took the current partner's and are known by both.
        let mother_given = *rng.pick(mother_h.pool().female);
        let mother_birth = *rng.pick(mother_h.pool().family);
        let took_partner_name = father_resident && rng.chance(400);
        let mother_family = if took_partner_name {
            father_surnames[last]
        } else {
            mother_birth
        };
        let children_surname: Vec<&'static str> = (0..groups)
            .map(|g| {
                if rng.chance(550) {
                    father_surnames[g]
                } else {
                    mother_family
                }
            })
            .collect();

        // Mothers are 16–36 at their first child and no older than 45 at their last.
        let mother_age_first = rng.range(
            16 * DAYS_PER_YEAR,
            (36 * DAYS_PER_YEAR).min(45 * DAYS_PER_YEAR - span),
        );
        let mother_dob = shift(first_birth, -mother_age_first);

        // --- People ---
        let mut children: Vec<Member> = Vec::with_capacity(n);
        for (i, dob) in child_dobs.iter().enumerate() {
            let is_unborn = dob.is_none();
            let sex = if is_unborn {
                Sex::Unknown
            } else if self.rng.chance(500) {
                Sex::Female
            } else {
                Sex::Male
            };
            let heritage = if self.rng.chance(500) {
                mother_h
            } else {
                father_h
            };
            let given = if is_unborn {
                None
            } else {
                let middle = self.rng.chance(250);
                Some(self.given_name(heritage, sex, middle))
            };
            let age_days = dob.map_or(-1, |d| (self.today - d).num_days());
            let language = if family_language != "English" && self.rng.chance(450) {
                family_language
            } else {
                "English"
            };
            let interpreter =
                language != "English" && age_days > 3 * DAYS_PER_YEAR && self.rng.chance(80);
            let mut disabilities = Vec::new();
            if !is_unborn && self.rng.chance(30) {
                disabilities.push(self.rng.weighted(DISABILITIES));
                if self.rng.chance(300) {
                    let second = self.rng.weighted(DISABILITIES);
                    if !disabilities.contains(&second) {
                        disabilities.push(second);
                    }
                }
            }
            let nhs = !is_unborn && self.rng.chance(900);
            // School age: four or over.
            let upn = age_days >= 4 * DAYS_PER_YEAR && self.rng.chance(700);
            let child = self.add_person(
                b,
                Spec {
                    kind: PersonKind::Child,
                    given,
                    family: children_surname[group_of(i)].to_string(),
                    dob: *dob,
                    expected: if is_unborn { expected } else { None },
                    dod: None,
                    sex,
                    ethnicity: Some(child_eth),
                    language,
                    interpreter,
                    religion,
                    disabilities,
                    nhs,
                    upn,
                    other_names: Vec::new(),
                },
            )?;
            children.push(child);
        }

        let mother = if mother_present {
            let language = family_language;
            let interpreter = language != "English" && self.rng.chance(350);
            let other_names = if took_partner_name && mother_birth != mother_family {
                vec![format!("{mother_given} {mother_birth}")]
            } else {
                Vec::new()
            };
            let nhs = self.rng.chance(500);
            Some(self.add_person(
                b,
                Spec {
                    kind: PersonKind::Adult,
                    given: Some(mother_given.to_string()),
                    family: mother_family.to_string(),
                    dob: Some(mother_dob),
                    expected: None,
                    dod: None,
                    sex: Sex::Female,
                    ethnicity: mother_eth,
                    language,
                    interpreter,
                    religion,
                    disabilities: Vec::new(),
                    nhs,
                    upn: false,
                    other_names,
                },
            )?)
        } else {
            None
        };

        // Fathers, one per group of children (when recorded).
        let mut fathers: Vec<Option<(Member, bool)>> = Vec::with_capacity(groups);
        for g in 0..groups {
            if !father_recorded[g] {
                fathers.push(None);
                continue;
            }
            let first_child = (0..n).find(|i| group_of(*i) == g).unwrap_or(0);
            let first_birth = child_dobs[first_child].or(expected).unwrap_or(self.today);
            let dob = shift(
                mother_dob,
                -self.rng.range(-3 * DAYS_PER_YEAR, 8 * DAYS_PER_YEAR),
            )
            .min(shift(first_birth, -17 * DAYS_PER_YEAR));
            let resident = g == last && father_resident;
            let language = self.language(father_h);
            let interpreter = language != "English" && self.rng.chance(350);
            // A few fathers who have no contact have died.
            let earliest_death =
                shift(dob, 18 * DAYS_PER_YEAR).max(self.days_before(10 * DAYS_PER_YEAR));
            let dod = (!resident && earliest_death < self.today && self.rng.chance(3)).then(|| {
                let days = (self.today - earliest_death).num_days();
                shift(earliest_death, self.rng.range(0, days - 1))
            });
            let nhs = self.rng.chance(500);
            let given = *self.rng.pick(father_h.pool().male);
            let father = self.add_person(
                b,
                Spec {
                    kind: PersonKind::Adult,
                    given: Some(given.to_string()),
                    family: father_surnames[g].to_string(),
                    dob: Some(dob),
                    expected: None,
                    dod,
                    sex: Sex::Male,
                    ethnicity: father_eth,
                    language,
                    interpreter,
                    religion,
                    disabilities: Vec::new(),
                    nhs,
                    upn: false,
                    other_names: Vec::new(),
                },
            )?;
            fathers.push(Some((father, resident)));
        }

        let step = if step_parent {
            let sex = if self.rng.chance(80) {
                Sex::Female
            } else {
                Sex::Male
            };
            let heritage = if self.rng.chance(800) {
                mother_h
            } else {
                self.rng.weighted(STAFF_HERITAGE)
            };
            let dob = shift(
                mother_dob,
                -self.rng.range(-6 * DAYS_PER_YEAR, 10 * DAYS_PER_YEAR),
            )
            .min(self.days_before(18 * DAYS_PER_YEAR));
            let given = self.given_name(heritage, sex, false);
            let family = (*self.rng.pick(heritage.pool().family)).to_string();
            let language = self.language(heritage);
            let nhs = self.rng.chance(500);
            Some(self.add_person(
                b,
                Spec {
                    kind: PersonKind::Adult,
                    given: Some(given),
                    family,
                    dob: Some(dob),
                    expected: None,
                    dod: None,
                    sex,
                    ethnicity: None,
                    language,
                    interpreter: false,
                    religion: None,
                    disabilities: Vec::new(),
                    nhs,
                    upn: false,
                    other_names: Vec::new(),
                },
            )?)
        } else {
            None
        };

        let gran = if grandparent {
            let sex = if self.rng.chance(800) {
                Sex::Female
            } else {
                Sex::Male
            };
            let dob = shift(
                mother_dob,
                -self.rng.range(17 * DAYS_PER_YEAR, 30 * DAYS_PER_YEAR),
            );
            let given = self.given_name(mother_h, sex, false);
            let family = if sex == Sex::Female && self.rng.chance(500) {
                mother_family
            } else {
                mother_birth
            };
            let nhs = self.rng.chance(500);
            let interpreter = family_language != "English" && self.rng.chance(500);
            Some(self.add_person(
                b,
                Spec {
                    kind: PersonKind::Adult,
                    given: Some(given),
                    family: family.to_string(),
                    dob: Some(dob),
                    expected: None,
                    dod: None,
                    sex,
                    ethnicity: mother_eth,
                    language: family_language,
                    interpreter,
                    religion,
                    disabilities: Vec::new(),
                    nhs,
                    upn: false,
                    other_names: Vec::new(),
                },
            )?)
        } else {
            None
        };

        // --- Relationships: one row per pair, "A is <kind> of B" ---
        for (i, child) in children.iter().enumerate() {
            let g = group_of(i);
            if let Some(m) = &mother {
                self.relate(
                    b,
                    m,
                    RelationshipKind::Mother,
                    child,
                    mother_resident,
                    child.dob,
                );
            }
            if let Some((f, resident)) = &fathers[g] {
                self.relate(b, f, RelationshipKind::Father, child, *resident, child.dob);
            }
            // The younger children's father, living with the family, is step-parent to the
            // older ones.
            if g != last
                && let Some((f, true)) = &fathers[last]
            {
                self.relate(b, f, RelationshipKind::StepParent, child, true, None);
            }
            if let Some(s) = &step {
                self.relate(b, s, RelationshipKind::StepParent, child, true, None);
            }
            if let Some(gp) = &gran {
                self.relate(
                    b,
                    gp,
                    RelationshipKind::Grandparent,
                    child,
                    grandparent_cares,
                    child.dob,
                );
            }
            for (j, younger) in children.iter().enumerate().skip(i + 1) {
                let kind = if group_of(j) == g {
                    RelationshipKind::Sibling
                } else {
                    RelationshipKind::HalfSibling
                };
                self.relate(b, child, kind, younger, true, younger.dob);
            }
        }
        if let Some(m) = &mother {
            if let Some((f, true)) = &fathers[last] {
                self.relate(b, m, RelationshipKind::Partner, f, true, None);
            }
            if let Some(s) = &step {
                self.relate(b, m, RelationshipKind::Partner, s, true, None);
            }
        }

        // --- Addresses: the household's current one, sometimes the one before, and one each
        // for the adults who live elsewhere ---
        let home = self.address();
        let since = self.rng.range(30, 10 * DAYS_PER_YEAR);
        let moved_in = self.days_before(since);
        let previous = self.rng.chance(200).then(|| {
            let from = shift(moved_in, -self.rng.range(DAYS_PER_YEAR, 6 * DAYS_PER_YEAR));
            (self.address(), from)
        });
        let mut household: Vec<Member> = children.clone();
        let mut elsewhere: Vec<Member> = Vec::new();
        let mut place = |m: &Option<Member>, resident: bool| match m {
            Some(m) if resident => household.push(m.clone()),
            Some(m) => elsewhere.push(m.clone()),
            None => {}
        };
        place(&mother, mother_resident);
        place(&step, true);
        place(&gran, grandparent_cares);
        for (f, resident) in fathers.iter().flatten() {
            if *resident {
                household.push(f.clone());
            } else {
                elsewhere.push(f.clone());
            }
        }
        for m in &household {
            // Someone born after the move has lived there since birth; the unborn have no
            // date yet.
            let from = m.dob.map(|d| d.max(moved_in));
            self.live_at(b, m, &home, from, None);
            if let (Some((prev, prev_from)), Some(dob)) = (&previous, m.dob)
                && dob < moved_in
            {
                self.live_at(b, m, prev, Some((*prev_from).max(dob)), Some(moved_in));
            }
        }
        for m in &elsewhere {
            let a = self.address();
            let adult_from = m.dob.map(|d| shift(d, 17 * DAYS_PER_YEAR));
            let since = self.rng.range(30, 8 * DAYS_PER_YEAR);
            let from = self
                .days_before(since)
                .max(adult_from.unwrap_or(self.today));
            self.live_at(b, m, &a, Some(from.min(self.today)), None);
        }
        Ok(())
    }
}

/// `date` moved by `days` (negative: earlier), saturating at the ends of the calendar.
fn shift(date: NaiveDate, days: i64) -> NaiveDate {
    let d = Days::new(days.unsigned_abs());
    if days >= 0 {
        date.checked_add_days(d).unwrap_or(date)
    } else {
        date.checked_sub_days(d).unwrap_or(date)
    }
}
