//! Plainly synthetic word lists: given and family names, streets and the towns of an invented
//! county. Names are common ones, grouped by the heritage they are typical of so that a family's
//! names, ethnicity, language and religion fit together; none is taken from any real record.

use cairn_domain::codes::Ethnicity;

/// The heritage a family's names are drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Heritage {
    British,
    Irish,
    EasternEuropean,
    /// Pakistani and Bangladeshi heritage.
    SouthAsianMuslim,
    /// Indian heritage: Hindu, Sikh and others.
    Indian,
    BlackAfrican,
    BlackCaribbean,
    Chinese,
    /// Arab, Kurdish, Iranian, Turkish and Afghan heritage ("any other ethnic group").
    MiddleEastern,
}

pub(crate) struct NamePool {
    pub male: &'static [&'static str],
    pub female: &'static [&'static str],
    pub family: &'static [&'static str],
}

const BRITISH: NamePool = NamePool {
    male: &[
        "Oliver",
        "George",
        "Harry",
        "Jack",
        "Jacob",
        "Noah",
        "Charlie",
        "Thomas",
        "Oscar",
        "William",
        "James",
        "Leo",
        "Alfie",
        "Joshua",
        "Freddie",
        "Archie",
        "Ethan",
        "Isaac",
        "Alexander",
        "Joseph",
        "Daniel",
        "Samuel",
        "Ryan",
        "Connor",
        "Kyle",
        "Jordan",
        "Callum",
        "Lewis",
        "Reece",
        "Tyler",
        "Mason",
        "Riley",
        "Logan",
        "Harvey",
        "Dylan",
        "Paul",
        "Mark",
        "Lee",
        "Craig",
        "Darren",
        "Wayne",
        "Stuart",
        "Gary",
        "Dean",
        "Jason",
        "Carl",
        "Scott",
        "Martin",
        "Neil",
        "Steven",
        "Andrew",
        "David",
        "Michael",
        "John",
        "Peter",
        "Christopher",
        "Matthew",
        "Rhys",
        "Gareth",
        "Owen",
    ],
    female: &[
        "Olivia",
        "Amelia",
        "Isla",
        "Ava",
        "Mia",
        "Lily",
        "Isabella",
        "Sophie",
        "Grace",
        "Ella",
        "Evie",
        "Poppy",
        "Ruby",
        "Chloe",
        "Emily",
        "Jessica",
        "Charlotte",
        "Freya",
        "Daisy",
        "Holly",
        "Megan",
        "Lauren",
        "Bethany",
        "Chelsea",
        "Courtney",
        "Jade",
        "Kayleigh",
        "Leanne",
        "Gemma",
        "Kelly",
        "Stacey",
        "Emma",
        "Sarah",
        "Rebecca",
        "Hannah",
        "Amy",
        "Laura",
        "Nicola",
        "Michelle",
        "Claire",
        "Lisa",
        "Donna",
        "Tracey",
        "Joanne",
        "Zoë",
        "Carys",
        "Eilidh",
        "Rosie",
        "Phoebe",
        "Harriet",
    ],
    family: &[
        "Smith",
        "Jones",
        "Williams",
        "Taylor",
        "Brown",
        "Davies",
        "Evans",
        "Wilson",
        "Thomas",
        "Johnson",
        "Roberts",
        "Robinson",
        "Thompson",
        "Wright",
        "Walker",
        "White",
        "Edwards",
        "Hughes",
        "Green",
        "Hall",
        "Lewis",
        "Harris",
        "Clarke",
        "Jackson",
        "Wood",
        "Turner",
        "Martin",
        "Cooper",
        "Hill",
        "Morris",
        "Moore",
        "Clark",
        "Lee",
        "King",
        "Baker",
        "Harrison",
        "Morgan",
        "Allen",
        "James",
        "Scott",
        "Phillips",
        "Watson",
        "Davis",
        "Parker",
        "Price",
        "Bennett",
        "Young",
        "Griffiths",
        "Mitchell",
        "Cook",
        "Carter",
        "Richardson",
        "Bailey",
        "Bell",
        "Shaw",
        "Miller",
        "Cox",
        "Richards",
        "Marshall",
        "Anderson",
        "Simpson",
        "Ellis",
        "Adams",
        "Wilkinson",
        "Foster",
        "Chapman",
        "Powell",
        "Webb",
        "Rogers",
        "Gray",
        "Mason",
        "Hunt",
        "Matthews",
        "Owen",
        "Palmer",
        "Holmes",
        "Mills",
        "Barnes",
        "Knight",
        "Lloyd",
        "Butler",
        "Russell",
        "Barker",
        "Fisher",
        "Stevens",
        "Jenkins",
        "Dixon",
        "Fletcher",
        "Howard",
        "Gibson",
        "Pritchard",
        "Ffrench",
        "Smith-Jones",
        "MacLeod",
        "Fraser",
    ],
};

const IRISH: NamePool = NamePool {
    male: &[
        "Sean", "Patrick", "Conor", "Ciaran", "Declan", "Niall", "Cormac", "Eoin", "Padraig",
        "Michael", "John", "Martin",
    ],
    female: &[
        "Siobhan", "Niamh", "Aoife", "Roisin", "Ciara", "Orla", "Sinead", "Bridget", "Saoirse",
        "Mary", "Kathleen", "Margaret",
    ],
    family: &[
        "Murphy",
        "Kelly",
        "O'Brien",
        "O'Sullivan",
        "Byrne",
        "Ryan",
        "O'Connor",
        "Doyle",
        "McCarthy",
        "Gallagher",
        "O'Neill",
        "Walsh",
        "Quinn",
        "Brennan",
        "McDonagh",
        "Ward",
        "Connors",
        "Doherty",
        "Maughan",
        "Delaney",
    ],
};

const EASTERN_EUROPEAN: NamePool = NamePool {
    male: &[
        "Jakub", "Kacper", "Szymon", "Mateusz", "Piotr", "Tomasz", "Łukasz", "Andrei", "Mihai",
        "Ionuț", "Lukas", "Mantas", "Marek", "Vasile",
    ],
    female: &[
        "Zuzanna",
        "Julia",
        "Natalia",
        "Agnieszka",
        "Katarzyna",
        "Magdalena",
        "Ioana",
        "Elena",
        "Andreea",
        "Gabija",
        "Ieva",
        "Oliwia",
        "Małgorzata",
        "Alina",
    ],
    family: &[
        "Nowak",
        "Kowalski",
        "Wiśniewski",
        "Wójcik",
        "Kamiński",
        "Lewandowski",
        "Zieliński",
        "Popescu",
        "Ionescu",
        "Popa",
        "Kazlauskas",
        "Petrauskas",
        "Novák",
        "Horváth",
        "Balogh",
        "Dvořák",
        "Stan",
        "Kovács",
    ],
};

const SOUTH_ASIAN_MUSLIM: NamePool = NamePool {
    male: &[
        "Mohammed", "Muhammad", "Ibrahim", "Yusuf", "Ayaan", "Zain", "Hamza", "Bilal", "Imran",
        "Tariq", "Abdul", "Rahim", "Farhan", "Shahid", "Adam", "Musa",
    ],
    female: &[
        "Aisha", "Fatima", "Maryam", "Zara", "Amina", "Safiya", "Hafsa", "Noor", "Nadia", "Ayesha",
        "Rukhsana", "Shazia", "Tahmina", "Nasrin", "Sumaya", "Inaya",
    ],
    family: &[
        "Khan",
        "Ali",
        "Hussain",
        "Ahmed",
        "Begum",
        "Rahman",
        "Islam",
        "Uddin",
        "Miah",
        "Akhtar",
        "Shah",
        "Iqbal",
        "Mahmood",
        "Butt",
        "Chowdhury",
        "Hossain",
        "Bibi",
        "Rashid",
    ],
};

const INDIAN: NamePool = NamePool {
    male: &[
        "Arjun", "Rohan", "Aarav", "Vikram", "Rajesh", "Sanjay", "Gurpreet", "Jaspal", "Dev",
        "Krish", "Ravi", "Harjit", "Amit", "Nikhil",
    ],
    female: &[
        "Priya", "Anjali", "Simran", "Kiran", "Navdeep", "Meera", "Sunita", "Pooja", "Divya",
        "Anika", "Harleen", "Asha", "Nisha", "Jaspreet",
    ],
    family: &[
        "Patel", "Singh", "Kaur", "Sharma", "Kumar", "Mistry", "Gill", "Sandhu", "Sidhu",
        "Dhillon", "Chauhan", "Joshi", "Parmar", "Mehta", "Desai", "Nair", "Pillai", "Bhatt",
    ],
};

const BLACK_AFRICAN: NamePool = NamePool {
    male: &[
        "Chukwuemeka",
        "Oluwaseun",
        "Tunde",
        "Kwame",
        "Kofi",
        "Emmanuel",
        "Samuel",
        "Abdi",
        "Mohamed",
        "Yonas",
        "Tendai",
        "Chidi",
        "Femi",
        "Kwabena",
    ],
    female: &[
        "Chidinma", "Adaeze", "Folasade", "Abena", "Ama", "Blessing", "Precious", "Grace", "Hodan",
        "Fartun", "Selam", "Nyasha", "Temitope", "Efua",
    ],
    family: &[
        "Okafor", "Okonkwo", "Adeyemi", "Oladipo", "Balogun", "Mensah", "Asante", "Boateng",
        "Owusu", "Abdi", "Mohamud", "Warsame", "Tesfaye", "Haile", "Moyo", "Ncube", "Adebayo",
        "Eze",
    ],
};

const BLACK_CARIBBEAN: NamePool = NamePool {
    male: &[
        "Marcus", "Jermaine", "Tyrone", "Leon", "Dwayne", "Andre", "Delroy", "Winston", "Kemar",
        "Jaden",
    ],
    female: &[
        "Shanice",
        "Tanisha",
        "Keisha",
        "Aaliyah",
        "Jasmine",
        "Monique",
        "Marcia",
        "Sonia",
        "Shantelle",
        "Jada",
    ],
    family: &[
        "Campbell", "Grant", "Francis", "Henry", "Lawrence", "Reid", "Stewart", "Gordon", "Spence",
        "McKenzie", "Samuels", "Thompson", "Williams", "Brown", "Bailey",
    ],
};

const CHINESE: NamePool = NamePool {
    male: &["Wei", "Jun", "Hao", "Ming", "Jian", "Kai", "Zhen", "Bo"],
    female: &["Mei", "Xin", "Yan", "Ying", "Hui", "Lian", "Jing", "Xiu"],
    family: &[
        "Chen", "Wang", "Li", "Zhang", "Liu", "Wong", "Lam", "Cheung", "Ho", "Yang",
    ],
};

const MIDDLE_EASTERN: NamePool = NamePool {
    male: &[
        "Omar", "Ahmad", "Karim", "Youssef", "Hassan", "Mustafa", "Ammar", "Reza", "Emre", "Dilan",
        "Farid",
    ],
    female: &[
        "Layla", "Mariam", "Yasmin", "Rania", "Huda", "Salma", "Sara", "Shirin", "Elif", "Zeynep",
        "Parisa",
    ],
    family: &[
        "Al-Hassan",
        "Haddad",
        "Mansour",
        "Nasser",
        "Saleh",
        "Aziz",
        "Karimi",
        "Rahimi",
        "Ahmadi",
        "Hosseini",
        "Yılmaz",
        "Kaya",
        "Demir",
        "Ismail",
        "Barzani",
        "Noori",
    ],
};

impl Heritage {
    pub(crate) fn pool(self) -> &'static NamePool {
        match self {
            Heritage::British => &BRITISH,
            Heritage::Irish => &IRISH,
            Heritage::EasternEuropean => &EASTERN_EUROPEAN,
            Heritage::SouthAsianMuslim => &SOUTH_ASIAN_MUSLIM,
            Heritage::Indian => &INDIAN,
            Heritage::BlackAfrican => &BLACK_AFRICAN,
            Heritage::BlackCaribbean => &BLACK_CARIBBEAN,
            Heritage::Chinese => &CHINESE,
            Heritage::MiddleEastern => &MIDDLE_EASTERN,
        }
    }

    /// First languages a parent of this heritage may have, weighted; English included.
    pub(crate) fn languages(self) -> &'static [(&'static str, u32)] {
        match self {
            Heritage::British | Heritage::Irish | Heritage::BlackCaribbean => &[("English", 1)],
            Heritage::EasternEuropean => &[
                ("Polish", 45),
                ("Romanian", 30),
                ("Lithuanian", 10),
                ("Hungarian", 5),
                ("Czech", 3),
                ("English", 7),
            ],
            Heritage::SouthAsianMuslim => &[
                ("Urdu", 30),
                ("Bengali", 20),
                ("Sylheti", 10),
                ("Punjabi", 10),
                ("English", 30),
            ],
            Heritage::Indian => &[
                ("Gujarati", 25),
                ("Punjabi", 25),
                ("Hindi", 10),
                ("Tamil", 8),
                ("Malayalam", 5),
                ("English", 27),
            ],
            Heritage::BlackAfrican => &[
                ("Somali", 20),
                ("Yoruba", 15),
                ("Igbo", 8),
                ("Twi", 8),
                ("Tigrinya", 8),
                ("Shona", 5),
                ("Arabic", 6),
                ("English", 30),
            ],
            Heritage::Chinese => &[("Cantonese", 35), ("Mandarin", 35), ("English", 30)],
            Heritage::MiddleEastern => &[
                ("Arabic", 35),
                ("Kurdish", 20),
                ("Farsi", 15),
                ("Turkish", 15),
                ("Pashto", 10),
                ("English", 5),
            ],
        }
    }

    /// Religions recorded for a family of this heritage, weighted.
    pub(crate) fn religions(self) -> &'static [(&'static str, u32)] {
        match self {
            Heritage::British => &[
                ("Christian", 42),
                ("No religion", 55),
                ("Jewish", 2),
                ("Buddhist", 1),
            ],
            Heritage::Irish | Heritage::EasternEuropean => {
                &[("Christian", 80), ("No religion", 20)]
            }
            Heritage::SouthAsianMuslim => &[("Muslim", 97), ("No religion", 3)],
            Heritage::Indian => &[
                ("Hindu", 45),
                ("Sikh", 35),
                ("Muslim", 12),
                ("Christian", 5),
                ("No religion", 3),
            ],
            Heritage::BlackAfrican => &[("Christian", 60), ("Muslim", 37), ("No religion", 3)],
            Heritage::BlackCaribbean => {
                &[("Christian", 70), ("Rastafarian", 3), ("No religion", 27)]
            }
            Heritage::Chinese => &[("No religion", 60), ("Buddhist", 20), ("Christian", 20)],
            Heritage::MiddleEastern => &[("Muslim", 85), ("Christian", 8), ("No religion", 7)],
        }
    }
}

/// A child's recorded ethnicity, weighted roughly like children in England (census 2021 and
/// the school census): about seven in ten White British.
pub(crate) const CHILD_ETHNICITY: &[(Ethnicity, u32)] = &[
    (Ethnicity::WhiteBritish, 690),
    (Ethnicity::WhiteIrish, 8),
    (Ethnicity::TravellerOfIrishHeritage, 4),
    (Ethnicity::AnyOtherWhiteBackground, 60),
    (Ethnicity::GypsyRoma, 6),
    (Ethnicity::WhiteAndBlackCaribbean, 16),
    (Ethnicity::WhiteAndBlackAfrican, 9),
    (Ethnicity::WhiteAndAsian, 14),
    (Ethnicity::AnyOtherMixedBackground, 18),
    (Ethnicity::Indian, 30),
    (Ethnicity::Pakistani, 34),
    (Ethnicity::Bangladeshi, 14),
    (Ethnicity::AnyOtherAsianBackground, 14),
    (Ethnicity::BlackCaribbean, 7),
    (Ethnicity::BlackAfrican, 34),
    (Ethnicity::AnyOtherBlackBackground, 5),
    (Ethnicity::Chinese, 5),
    (Ethnicity::AnyOtherEthnicGroup, 18),
    (Ethnicity::Refused, 3),
    (Ethnicity::InformationNotYetObtained, 11),
];

/// The heritage names are drawn from for a person of a single (not mixed) ethnicity.
pub(crate) fn heritage_of(e: Ethnicity) -> Heritage {
    match e {
        Ethnicity::WhiteIrish | Ethnicity::TravellerOfIrishHeritage => Heritage::Irish,
        Ethnicity::AnyOtherWhiteBackground | Ethnicity::GypsyRoma => Heritage::EasternEuropean,
        Ethnicity::Pakistani | Ethnicity::Bangladeshi => Heritage::SouthAsianMuslim,
        Ethnicity::Indian | Ethnicity::AnyOtherAsianBackground => Heritage::Indian,
        Ethnicity::BlackAfrican | Ethnicity::AnyOtherBlackBackground => Heritage::BlackAfrican,
        Ethnicity::BlackCaribbean => Heritage::BlackCaribbean,
        Ethnicity::Chinese => Heritage::Chinese,
        Ethnicity::AnyOtherEthnicGroup => Heritage::MiddleEastern,
        _ => Heritage::British,
    }
}

/// Staff come from the same mix as the population.
pub(crate) const STAFF_HERITAGE: &[(Heritage, u32)] = &[
    (Heritage::British, 72),
    (Heritage::Irish, 3),
    (Heritage::EasternEuropean, 5),
    (Heritage::SouthAsianMuslim, 5),
    (Heritage::Indian, 5),
    (Heritage::BlackAfrican, 5),
    (Heritage::BlackCaribbean, 3),
    (Heritage::Chinese, 1),
    (Heritage::MiddleEastern, 1),
];

pub(crate) const STREETS: &[&str] = &[
    "Church",
    "Station",
    "Victoria",
    "Mill",
    "Park",
    "High",
    "School",
    "Queen's",
    "King's",
    "Manor",
    "Chapel",
    "Orchard",
    "Meadow",
    "Willow",
    "Beech",
    "Oak",
    "Elm",
    "Ash",
    "Birch",
    "Cedar",
    "Hawthorn",
    "Rowan",
    "Holly",
    "Primrose",
    "Foxglove",
    "Bluebell",
    "Heather",
    "Kingfisher",
    "Heron",
    "Swallow",
    "Wren",
    "Robin",
    "Linnet",
    "Curlew",
    "Brook",
    "River",
    "Canal",
    "Bridge",
    "Forge",
    "Tannery",
    "Granary",
    "Maltings",
    "Quarry",
    "Windmill",
    "Mulberry",
    "Chestnut",
    "Sycamore",
    "Larch",
    "Poplar",
    "Cherry",
    "Hazel",
    "Laurel",
    "Juniper",
    "Linden",
    "Alder",
    "Nelson",
    "Wellington",
    "Albert",
    "Alexandra",
    "Coronation",
    "Jubilee",
    "Cromwell",
    "Shakespeare",
    "Milton",
    "Tennyson",
    "Wordsworth",
    "Brunel",
    "Darwin",
    "Faraday",
    "Newton",
    "St John's",
    "St Mary's",
    "Greenacre",
    "Fairfield",
    "Springfield",
    "Highfield",
];

pub(crate) const STREET_KINDS: &[&str] = &[
    "Road", "Street", "Close", "Avenue", "Lane", "Way", "Drive", "Crescent", "Gardens", "Court",
    "Grove", "Place", "Rise", "Walk", "Terrace",
];

/// Blocks of flats.
pub(crate) const BLOCKS: &[&str] = &[
    "Heron House",
    "Kestrel House",
    "Falcon Court",
    "Merlin Tower",
    "Osprey House",
    "Riverside Court",
    "Canal View",
    "Mill Court",
    "Victoria Mansions",
    "Jubilee House",
];

/// A town of Demo County: its name, its postcode districts (the
/// "DC" area is not a real postcode area but has a valid shape) and its relative population.
pub(crate) struct Town {
    pub name: &'static str,
    pub districts: &'static [u8],
    pub weight: u32,
}

pub(crate) const OFFICE_NORTH: usize = 0;
pub(crate) const OFFICE_CENTRAL: usize = 1;
pub(crate) const OFFICE_SOUTH: usize = 2;
pub(crate) const OFFICE_EDS: usize = 3;

pub(crate) const OFFICES: &[&str] = &[
    "North Office",
    "Central Office",
    "South Office",
    "Emergency Duty Service",
];

pub(crate) const TOWNS: &[Town] = &[
    Town {
        name: "Dunmere",
        districts: &[1, 2, 3, 4, 5, 6],
        weight: 30,
    },
    Town {
        name: "Castlebrook",
        districts: &[7, 8],
        weight: 10,
    },
    Town {
        name: "Ashcombe",
        districts: &[9],
        weight: 5,
    },
    Town {
        name: "Northwick",
        districts: &[10, 11, 12],
        weight: 14,
    },
    Town {
        name: "Thornby",
        districts: &[13],
        weight: 5,
    },
    Town {
        name: "Hollinford",
        districts: &[14, 15],
        weight: 7,
    },
    Town {
        name: "Southmoor",
        districts: &[16, 17, 18],
        weight: 14,
    },
    Town {
        name: "Stourleigh",
        districts: &[19, 20],
        weight: 7,
    },
    Town {
        name: "Millbridge",
        districts: &[21],
        weight: 4,
    },
    Town {
        name: "Wenlow",
        districts: &[22],
        weight: 4,
    },
];

/// Neighbourhoods used as an address's second line.
pub(crate) const LOCALITIES: &[&str] = &[
    "Brookfield",
    "Westgate",
    "Eastfield",
    "Old Town",
    "Parkside",
    "Hillcrest",
    "Moorside",
    "Riverside",
    "Newlands",
    "Greenbank",
];

/// Letters allowed in the inward part of a postcode (not C, I, K, M, O or V).
pub(crate) const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn there_are_about_two_hundred_of_each_kind_of_name() {
        let all = [
            Heritage::British,
            Heritage::Irish,
            Heritage::EasternEuropean,
            Heritage::SouthAsianMuslim,
            Heritage::Indian,
            Heritage::BlackAfrican,
            Heritage::BlackCaribbean,
            Heritage::Chinese,
            Heritage::MiddleEastern,
        ];
        let given: HashSet<&str> = all
            .iter()
            .flat_map(|h| h.pool().male.iter().chain(h.pool().female))
            .copied()
            .collect();
        let family: HashSet<&str> = all
            .iter()
            .flat_map(|h| h.pool().family.iter())
            .copied()
            .collect();
        assert!(given.len() >= 200, "{} given names", given.len());
        assert!(family.len() >= 200, "{} family names", family.len());
        // Names are single words (a family name may be hyphenated): usernames and the
        // "Given Family" other-name convention rely on it.
        for name in given.iter().chain(family.iter()) {
            assert!(!name.contains(' '), "{name}");
        }
    }

    #[test]
    fn weights_sum_sensibly() {
        let total: u32 = CHILD_ETHNICITY.iter().map(|(_, w)| w).sum();
        assert_eq!(total, 999 + 1);
    }
}
