//! Phrase banks for the demo's case notes, management decisions, supervision and chronology
//! entries from other agencies.
//!
//! Sentences are put together from banks with slots (`{child}`, `{carer}`, `{item}`, …) filled
//! from word lists, so that notes read like short social work records and the full-text search
//! has ordinary words (school, mother, visit), less common ones (trampoline, allotment) and
//! phrases ("seen alone") to find. Every person named is invented; most are named by role.

use crate::rng::Rng;

/// A note's text as the worker would have typed it.
pub(crate) struct NoteText {
    pub kind: &'static str,
    pub title: String,
    pub narrative: String,
    pub people_involved: String,
}

/// Kinds of note written between visits, by weight. Visits mostly come from the casework's
/// own visit records; the few here are joint or extra visits.
pub(crate) const OTHER_KINDS: &[(&str, u32)] = &[
    ("phone_call", 300),
    ("office_discussion", 140),
    ("meeting", 120),
    ("email", 150),
    ("letter", 60),
    ("direct_work", 100),
    ("visit", 80),
    ("other", 50),
];

const CARERS: &[&str] = &[
    "Mother",
    "Mother",
    "Mother",
    "Father",
    "Father",
    "Grandmother",
    "Stepfather",
    "Mother's partner",
    "Maternal aunt",
    "Grandfather",
];

const PROFESSIONALS: &[&str] = &[
    "the class teacher",
    "the designated safeguarding lead",
    "the health visitor",
    "the school nurse",
    "the GP",
    "PC Hannah Reid",
    "the family support worker",
    "the housing officer",
    "the CAMHS practitioner",
    "the midwife",
    "the youth worker",
    "the attendance officer",
    "the domestic abuse advocate",
    "the drug and alcohol worker",
    "the nursery manager",
    "the SENCo",
    "the paediatrician",
    "the probation officer",
];

/// Things children show and talk about: the less common words the search can find.
const ITEMS: &[&str] = &[
    "trampoline",
    "skateboard",
    "ukulele",
    "hamster",
    "gerbil",
    "tortoise",
    "goldfish",
    "guinea pig",
    "scooter",
    "bicycle",
    "football boots",
    "netball bib",
    "karate belt",
    "swimming certificate",
    "reading book",
    "spelling test",
    "Lego spaceship",
    "jigsaw puzzle",
    "sketchbook",
    "colouring book",
    "dinosaur collection",
    "Pokémon cards",
    "tablet",
    "games console",
    "dolls' house",
    "teddy bear",
    "rabbit hutch",
    "fishing rod",
    "keyboard",
    "recorder",
    "drum kit",
    "microscope",
    "telescope",
    "science project",
    "volcano model",
    "origami cranes",
    "friendship bracelets",
    "slime",
    "loom bands",
    "kite",
    "paddling pool",
    "allotment",
    "sunflowers",
    "tomato plants",
    "birthday cake",
    "school photograph",
    "sports day medal",
    "rosette",
    "pony",
    "budgie",
    "kitten",
    "puppy",
    "chess set",
    "Rubik's cube",
    "magic set",
    "walkie-talkies",
    "roller skates",
    "hula hoop",
    "ballet shoes",
    "gymnastics leotard",
    "rugby ball",
    "cricket bat",
    "snooker cue",
    "bowling trophy",
    "library card",
    "bus pass",
    "mobile phone",
    "headphones",
    "diary",
    "photo album",
    "memory box",
    "life story book",
    "worry monster",
    "feelings thermometer",
    "calm box",
    "weighted blanket",
    "night light",
    "glow stars",
    "bunk bed",
    "fish tank",
    "stick insects",
    "ant farm",
    "snail",
    "conker",
    "fossil",
    "seashells",
    "crystal",
    "marbles",
    "yo-yo",
    "harmonica",
    "xylophone",
    "tambourine",
    "violin",
    "guitar",
    "paintbrushes",
    "easel",
    "clay pot",
    "knitting",
    "cross-stitch",
    "baking tray",
    "cupcakes",
    "pancakes",
    "flapjacks",
];

const ACTIVITIES: &[&str] = &[
    "football training",
    "swimming lessons",
    "Brownies",
    "Cubs",
    "Scouts",
    "the after-school club",
    "the breakfast club",
    "the youth club",
    "boxing",
    "street dance",
    "drama club",
    "the library",
    "the park",
    "the trampoline park",
    "the cinema",
    "a sleepover at a friend's",
    "fishing with grandad",
    "the mosque",
    "church",
    "the gurdwara",
    "Saturday school",
    "the holiday club",
    "cadets",
    "choir",
    "the skate park",
    "the farm",
    "the seaside",
    "horse riding",
    "rock climbing",
    "the bowling alley",
];

const WORRIES: &[&str] = &[
    "mum and dad shouting",
    "the police coming to the house",
    "being moved away from mum",
    "dad's drinking",
    "not having any dinner",
    "the older boys near the shops",
    "mum being sad all the time",
    "going to a new school",
    "the landlord's letters",
    "people saying things online",
    "the dog being given away",
    "mum's boyfriend",
    "getting into trouble at school",
    "grandma being poorly",
    "the bailiffs",
];

const WISHES: &[&str] = &[
    "more time with dad",
    "a bedroom of their own",
    "to stay at the same school",
    "to see their brother more often",
    "for the arguments to stop",
    "to go back to football",
    "a quiet place to do homework",
    "mum to get better",
    "to live with grandma",
    "to have friends round",
];

const SAFE_ADULTS: &[&str] = &[
    "mum",
    "grandma",
    "their teacher",
    "auntie",
    "dad",
    "the lunchtime supervisor",
    "their older sister",
    "grandad",
];

const CONCERNS: &[&str] = &[
    "domestic abuse",
    "neglect of basic care",
    "school attendance",
    "mother's mental health",
    "father's alcohol use",
    "cannabis use in the home",
    "the state of the home",
    "missed health appointments",
    "going missing from home",
    "criminal exploitation",
    "unexplained injuries",
    "the new partner's history",
    "emotional harm",
    "rent arrears and eviction",
    "the child's self-harm",
];

const SERVICES: &[&str] = &[
    "the Freedom Programme",
    "the parenting course",
    "the drug and alcohol service",
    "the GP about her mood",
    "Citizens Advice",
    "the food bank",
    "the perpetrator programme",
    "the children's centre",
    "the CAMHS appointment",
    "the housing options team",
    "the debt advice service",
    "the young carers group",
];

const APPOINTMENTS: &[&str] = &[
    "dental",
    "health visitor",
    "paediatric",
    "CAMHS",
    "speech and language",
    "audiology",
    "optician",
    "GP",
    "hospital",
    "immunisation",
];

const WEEKDAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];

const PLACES: &[&str] = &[
    "the school",
    "the family home",
    "the children's centre",
    "the area office",
    "the health centre",
    "the library meeting room",
];

const FEELINGS: &[&str] = &[
    "OK",
    "calm",
    "noisy",
    "a bit sad",
    "happy",
    "scary sometimes",
    "boring",
    "better than before",
];

const TOOLS: &[&str] = &[
    "the three houses",
    "a feelings thermometer",
    "the words and pictures explanation",
    "a genogram",
    "an ecomap",
    "the Signs of Safety wizard",
    "drawing and play",
    "a life story book",
    "the bear cards",
    "a safety plan in pictures",
];

const VISIT_TITLES: &[&str] = &[
    "Home visit",
    "Unannounced home visit",
    "Joint home visit with the health visitor",
    "Visit to {child} at school",
    "Statutory visit",
    "Home visit after school",
];

const VISIT_OPENERS: &[&str] = &[
    "Visited {child} at home; {carer} was present.",
    "Unannounced visit; {carer} answered the door after a few minutes.",
    "Saw {child} at school in the nurture room with the head teacher's agreement.",
    "Joint visit with {professional}; {carer} was expecting us.",
    "Visited after school as agreed at the last core group; {carer} and {child} were home.",
    "Visit at the grandparents' home, where {child} is staying this week.",
];

const OBSERVATIONS: &[&str] = &[
    "The home was warm and tidy and there was food in the fridge and cupboards.",
    "The living room was cluttered with washing and there was a strong smell of cigarettes.",
    "{child} showed me their {item} and talked about {activity} at the weekend.",
    "{child}'s bedroom had a bed, clean bedding and a few toys; the window lock is still broken.",
    "{child} was quiet at first but relaxed while we played with the {item}.",
    "{child} looked tired and said they had been up late because of {worry}.",
    "There were empty cans in the kitchen bin; {carer} said a friend had visited.",
    "{child} was wearing school uniform that was too small and had a hole in one shoe.",
    "The baby was asleep in a cot in the parents' room; safe sleep advice was repeated.",
    "{child} was chatty and proud of a certificate for {activity}.",
    "The kitchen was clean and a meal was cooking; {child} helped lay the table.",
    "Dog mess in the garden and the back door does not lock; {carer} says the landlord knows.",
    "{child} has a new {item} from grandma and was keen to show it to me.",
    "{child} moved freely around the home and went to {carer} for comfort when upset.",
];

const CHILD_VOICE: &[&str] = &[
    "Seen alone, {child} said home feels {feeling} and the best thing this week was {activity}.",
    "{child} said they worry about {worry} and would like {wish}.",
    "Using the three houses, {child} put {worry} in the house of worries.",
    "{child} said nobody has hurt them and they feel safe with {safe_adult}.",
    "{child} did not want to talk today and asked to go back to class; I respected this.",
    "{child} drew a picture of the family with the {item} in the middle and said it is the best thing at home.",
    "{child} said that {safe_adult} is the person they would tell if something was wrong.",
];

const CARER_LINES: &[&str] = &[
    "{carer} said things have been calmer since the last review.",
    "{carer} was tearful and said they are struggling with {concern}.",
    "{carer} disputed what the school said about {concern} and became angry.",
    "{carer} agreed to attend {service} and signed the consent form.",
    "{carer} has not yet made the {appointment} appointment and was reminded of the plan.",
    "{carer} said the rent arrears are being paid at ten pounds a week.",
    "{carer} asked for help with a school uniform grant and a bus pass.",
    "{carer} said the relationship with the children's father is over.",
];

const AGENCY_LINES: &[&str] = &[
    "{professional} reported that attendance is {percent}% this half term.",
    "{professional} said {child} arrived hungry twice this week and was given breakfast.",
    "{professional} confirmed the {appointment} appointment was attended.",
    "{professional} has no new concerns and will send a report before the core group.",
    "{professional} raised a concern about {concern} and will put it in writing.",
    "{professional} said {child} is making friends and enjoying {activity}.",
    "{professional} has not been able to see the baby for two weeks.",
];

const NEXT_STEPS: &[&str] = &[
    "Next visit booked for {weekday}; {child} to be seen alone.",
    "I will discuss this with my manager and update the plan.",
    "Action: chase the {appointment} referral and report back at core group.",
    "Agreed to speak again on {weekday} after {carer} has been to {service}.",
    "No further action needed today; the plan continues.",
    "Will share this with {professional} and the core group by email.",
    "Case recording updated and the chronology checked.",
];

const PHONE_OPENERS: &[&str] = &[
    "Phone call from {professional}.",
    "Called {carer} to confirm {weekday}'s visit.",
    "{carer} rang the duty line asking for me.",
    "Phone call to {professional} to share the plan.",
    "Returned a call from {professional}.",
];

const PHONE_TITLES: &[&str] = &[
    "Phone call from school",
    "Phone call with {carer}",
    "Call to the health visitor",
    "Phone call from the police",
    "Call to the GP surgery",
    "Phone call with the family support worker",
];

const MEETING_TITLES: &[&str] = &[
    "Core group meeting",
    "Team around the family meeting",
    "Child in need review meeting",
    "Professionals meeting",
    "Meeting with {carer} and their support worker",
    "School meeting about attendance",
];

const MEETING_OPENERS: &[&str] = &[
    "Meeting at {place} with {carer}, {professional} and myself.",
    "Core group held at {place}; {carer} attended, father did not.",
    "Professionals met at {place} to review progress against the plan.",
    "Meeting at {place} with {professional} about {concern}.",
];

const OFFICE_TITLES: &[&str] = &[
    "Discussion with team manager",
    "Case discussion with senior practitioner",
    "Discussion with duty worker",
    "Reflective discussion in the team",
];

const OFFICE_OPENERS: &[&str] = &[
    "Discussed {child}'s case with my team manager.",
    "Case discussion with the senior practitioner about {concern}.",
    "Talked through the latest information with the duty worker.",
    "Group reflective discussion about the family in the team meeting.",
];

const REFLECTIONS: &[&str] = &[
    "We agreed the main risk remains {concern} and the plan addresses it.",
    "We agreed {child}'s voice needs to be clearer in the next review.",
    "The family's engagement has improved; we agreed to keep the current frequency of visits.",
    "We agreed to seek legal advice if there is no progress by the next review.",
    "We considered whether {concern} means the threshold for a strategy discussion is met; it does not at present.",
];

const LETTER_TITLES: &[&str] = &[
    "Letter to {carer}",
    "Letter confirming the plan",
    "Letter from the housing association",
    "Letter from the paediatrician",
    "Appointment letter sent",
];

const LETTER_LINES: &[&str] = &[
    "Letter sent to {carer} confirming the date of the next review and what was agreed.",
    "Letter received from the housing association about the rent arrears and a possible eviction.",
    "Letter received from the paediatrician after the {appointment} appointment; no concerns about growth.",
    "Letter sent to {carer} with the written agreement and the number of the duty team.",
];

const EMAIL_TITLES: &[&str] = &[
    "Email from school",
    "Email to the health visitor",
    "Email from the police MASH officer",
    "Email from the family support worker",
    "Email to the core group",
];

const DIRECT_WORK_TITLES: &[&str] = &[
    "Direct work: three houses",
    "Direct work: wishes and feelings",
    "Direct work: life story",
    "Direct work: safety plan",
    "Direct work: worries and feelings",
];

const DIRECT_WORK_OPENERS: &[&str] = &[
    "Direct work session with {child} at school using {tool}.",
    "Saw {child} alone at home for direct work using {tool}.",
    "Session with {child} in the family room at the office using {tool}.",
];

const OTHER_TITLES: &[&str] = &[
    "Transport arranged for contact",
    "Case file audit",
    "Court report preparation",
    "Food bank voucher issued",
    "Information shared with the new school",
];

const OTHER_LINES: &[&str] = &[
    "Arranged a taxi so {child} can attend contact with father at the family centre.",
    "Case file audited: the chronology is up to date and {child} has been seen alone regularly.",
    "Started the statement for court; gathered the school and health reports.",
    "Issued a food bank voucher after {carer} said there was no food until payday.",
    "Sent the safeguarding file to the new school's designated safeguarding lead.",
];

/// Events that make a note significant, with the kind of note that usually records them.
const SIGNIFICANT: &[(&str, &str, &str)] = &[
    (
        "phone_call",
        "Police called to the home overnight",
        "Call from the police MASH officer: police were called to the home at 2am after a neighbour heard shouting. {carer} had a cut lip; {child} was in bed and was not spoken to.",
    ),
    (
        "visit",
        "Unexplained bruise seen at visit",
        "At the visit I saw a bruise on {child}'s upper arm about the size of a thumbprint. {carer} said it happened at {activity}; {child} did not want to say.",
    ),
    (
        "phone_call",
        "Disclosure at school",
        "The designated safeguarding lead rang: {child} told the class teacher that {worry} and that they are scared to go home tonight.",
    ),
    (
        "email",
        "Child reported missing from home",
        "Email from the police: {child} was reported missing at 10pm and found at 3am near the skate park with older boys. Return home interview requested.",
    ),
    (
        "phone_call",
        "Parent admitted to hospital",
        "{carer} was admitted to hospital after an overdose. The children are staying with their grandmother, who has agreed to look after them for now.",
    ),
    (
        "letter",
        "Eviction notice served",
        "Letter received: the landlord has served a section 21 notice and the family must leave in two months. Housing options referral made the same day.",
    ),
    (
        "phone_call",
        "Father released from prison",
        "The probation officer rang: father has been released on licence and has a condition not to contact {carer}. He has asked to see {child}.",
    ),
    (
        "visit",
        "Home conditions seriously deteriorated",
        "The home was in a very poor state: dog mess on the floor, no food, and the children's beds had no bedding. {carer} said they have not been well.",
    ),
    (
        "phone_call",
        "Fixed-term exclusion from school",
        "School rang: {child} has been excluded for three days after hitting another pupil. {carer} is not answering the school's calls.",
    ),
    (
        "direct_work",
        "Child disclosed worries about carer's partner",
        "In direct work {child} said that {carer}'s new partner shouts and once pushed them into the wall. {child} asked me not to tell anyone, and I explained why I must.",
    ),
    (
        "meeting",
        "Family agreed a written safety plan",
        "{carer}, grandmother and the professionals agreed a written safety plan: no contact with father at the home, and grandmother to collect {child} from school.",
    ),
    (
        "visit",
        "Baby not seen at home",
        "Nobody answered at the booked visit and the health visitor has not seen the baby for three weeks. Police welfare check requested.",
    ),
];

/// Fills the `{slot}`s of `template` from the word lists; `{child}` and `{carer}` are the
/// note's own child and carer so a note names the same people throughout.
fn fill(rng: &mut Rng, template: &str, child: &str, carer: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let slot = &rest[open + 1..open + close];
        match slot {
            "child" => out.push_str(child),
            "carer" => out.push_str(carer),
            "percent" => out.push_str(&rng.range(61, 98).to_string()),
            other => out.push_str(word(rng, other)),
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn word(rng: &mut Rng, slot: &str) -> &'static str {
    let bank: &[&'static str] = match slot {
        "professional" => PROFESSIONALS,
        "item" => ITEMS,
        "activity" => ACTIVITIES,
        "worry" => WORRIES,
        "wish" => WISHES,
        "safe_adult" => SAFE_ADULTS,
        "concern" => CONCERNS,
        "service" => SERVICES,
        "appointment" => APPOINTMENTS,
        "weekday" => WEEKDAYS,
        "place" => PLACES,
        "feeling" => FEELINGS,
        "tool" => TOOLS,
        _ => &[""],
    };
    let i = usize::try_from(rng.below(bank.len() as u64)).unwrap_or(0);
    bank.get(i).copied().unwrap_or("")
}

/// Capitalises the first letter, for a sentence that starts with a slot such as
/// "{professional}" ("the class teacher …").
fn sentence(mut s: String) -> String {
    if let Some(first) = s.chars().next()
        && first.is_lowercase()
    {
        let upper: String = first.to_uppercase().collect();
        s.replace_range(..first.len_utf8(), &upper);
    }
    s
}

/// A note of `kind` about `child` (their given name); significant notes describe an event
/// from the significant bank and may change the kind to the one that records it.
pub(crate) fn note(rng: &mut Rng, kind: &'static str, child: &str, significant: bool) -> NoteText {
    let carer = *rng.pick(CARERS);
    let mut parts: Vec<String> = Vec::with_capacity(4);
    let (kind, title) = if significant {
        let (kind, title, text) = *rng.pick(SIGNIFICANT);
        parts.push(fill(rng, text, child, carer));
        (kind, title.to_string())
    } else {
        let (titles, openers): (&[&str], &[&str]) = match kind {
            "visit" => (VISIT_TITLES, VISIT_OPENERS),
            "phone_call" => (PHONE_TITLES, PHONE_OPENERS),
            "meeting" => (MEETING_TITLES, MEETING_OPENERS),
            "office_discussion" => (OFFICE_TITLES, OFFICE_OPENERS),
            "letter" => (LETTER_TITLES, LETTER_LINES),
            "email" => (EMAIL_TITLES, AGENCY_LINES),
            "direct_work" => (DIRECT_WORK_TITLES, DIRECT_WORK_OPENERS),
            _ => (OTHER_TITLES, OTHER_LINES),
        };
        let title = *rng.pick(titles);
        let title = fill(rng, title, child, carer);
        let opener = *rng.pick(openers);
        let opener = fill(rng, opener, child, carer);
        parts.push(sentence(if kind == "email" {
            format!("Email received. {}", sentence(opener))
        } else {
            opener
        }));
        (kind, title)
    };
    let middle: &[&[&str]] = match kind {
        "visit" => &[OBSERVATIONS, CHILD_VOICE],
        "phone_call" => &[AGENCY_LINES],
        "meeting" => &[AGENCY_LINES, CARER_LINES],
        "office_discussion" => &[REFLECTIONS],
        "letter" | "email" => &[],
        "direct_work" => &[CHILD_VOICE],
        _ => &[],
    };
    for bank in middle {
        let line = *rng.pick(bank);
        parts.push(sentence(fill(rng, line, child, carer)));
    }
    if rng.chance(450) {
        let bank = if rng.chance(500) {
            CARER_LINES
        } else {
            OBSERVATIONS
        };
        let extra = *rng.pick(bank);
        parts.push(sentence(fill(rng, extra, child, carer)));
    }
    let next = *rng.pick(NEXT_STEPS);
    parts.push(sentence(fill(rng, next, child, carer)));
    let people_involved = match kind {
        "visit" | "direct_work" => format!("{carer}; {child}"),
        "office_discussion" => "Team manager".to_string(),
        "letter" | "other" => carer.to_string(),
        _ => format!(
            "{carer}; {}",
            sentence(word(rng, "professional").to_string())
        ),
    };
    NoteText {
        kind,
        title: sentence(title),
        narrative: parts.join(" "),
        people_involved,
    }
}

/// What an amendment adds, and why.
pub(crate) fn amendment(rng: &mut Rng, child: &str) -> (String, &'static str) {
    const AMENDMENTS: &[(&str, &str)] = &[
        (
            "Added after a call back from school: {child}'s attendance this week was 100%.",
            "Added the school's update received after the note was finalised",
        ),
        (
            "Correction: the health visitor present was from the Northwick team, not Dunmere.",
            "Corrected the name of the health visitor's team",
        ),
        (
            "Correction: the visit started at 3.30pm, not 1.30pm.",
            "Recorded the wrong time of the visit in the narrative",
        ),
        (
            "Added: grandmother was also present for the last twenty minutes.",
            "Left out who else was present",
        ),
        (
            "Correction: {child} said they feel safe with their aunt, not their grandmother.",
            "Mistyped who the child said they feel safe with",
        ),
    ];
    let (text, reason) = *rng.pick(AMENDMENTS);
    (fill(rng, text, child, "Mother"), reason)
}

/// A draft left unfinished: the start of a note, cut off mid-sentence.
pub(crate) fn unfinished(rng: &mut Rng, kind: &'static str, child: &str) -> NoteText {
    let mut text = note(rng, kind, child, false);
    let cut = text
        .narrative
        .char_indices()
        .map(|(i, _)| i)
        .nth(text.narrative.chars().count() * 2 / 3)
        .unwrap_or(text.narrative.len());
    text.narrative.truncate(cut);
    text
}

/// A management decision at `point`: the decision and its rationale.
pub(crate) fn oversight(rng: &mut Rng, point: &str, child: &str, worker: &str) -> (String, String) {
    let (decisions, rationales): (&[&str], &[&str]) = match point {
        "allocation" => (
            &[
                "Allocated to {worker} for a single assessment. First visit within 5 working days; {child} to be seen alone.",
                "Allocate to {worker}. Joint visit with the health visitor, and check the police history before visiting.",
            ],
            &[
                "The referral information about {concern} meets the threshold for a social work assessment. {worker} has capacity and knows the school.",
                "Concerns about {concern} need a full assessment; the family have had early help without lasting change.",
            ],
        ),
        "assessment_authorisation" => (
            &[
                "Assessment authorised. Outcome: child in need plan; first review in three months.",
                "Assessment authorised with the analysis strengthened. Continue under a child in need plan.",
                "Assessment authorised. No further action from children's social care; family told in writing.",
            ],
            &[
                "The assessment shows {concern} is affecting {child}'s day-to-day care; the family are engaging and the risks can be managed with support.",
                "{child}'s voice is clear in the assessment and the analysis explains what needs to change and by when.",
                "The concerns were not substantiated; the school and health visitor will keep a watching brief.",
            ],
        ),
        "section47_decision" => (
            &[
                "Section 47 enquiry to start today. Joint visit with the police; {child} to be seen alone within 24 hours.",
                "Section 47 enquiry agreed. Child protection medical to be arranged today.",
            ],
            &[
                "There is reasonable cause to suspect {child} is suffering, or likely to suffer, significant harm from {concern}.",
                "The disclosure is consistent with the police information and the school's observations over several weeks.",
            ],
        ),
        "plan_start" => (
            &[
                "Plan agreed. Core group within 10 working days; visits every two weeks with {child} seen alone.",
                "Child in need plan to start; review in three months; visits every four weeks.",
            ],
            &[
                "The conference and assessment agree that {concern} is the main risk; the plan sets out what must change.",
                "The family accept the plan; support from the family support worker starts next week.",
            ],
        ),
        "closure" => (
            &[
                "Case closure authorised. Step down to universal services; school informed.",
                "Closure agreed. Letter to the family with the duty team's number.",
            ],
            &[
                "The plan's outcomes are met: attendance is good, the home is stable and {child} says things are better.",
                "No further role for children's social care; the school will contact the front door if concerns return.",
            ],
        ),
        "step_down" => (
            &[
                "Step down agreed to a child in need plan; {worker} remains the allocated worker.",
                "Step down to early help agreed; handover meeting with the family support worker.",
            ],
            &[
                "Risks have reduced: no incidents for six months and the safety plan has held.",
                "The family want support and the early help offer meets the needs identified.",
            ],
        ),
        _ => (
            &[
                "Case reviewed. The plan is on track; continue with the current visiting pattern.",
                "Case reviewed. Visits to increase to weekly until the next core group.",
                "Case reviewed. {worker} to update the chronology and the assessment of risk before the review.",
                "Case reviewed. Seek legal advice about the pre-proceedings process if there is no progress in four weeks.",
            ],
            &[
                "{child} has been seen alone regularly and the records show progress with {concern}.",
                "New information about {concern} has increased the risk; more frequent visits are needed.",
                "Recording is behind and the chronology does not reflect the last month's events.",
                "There has been drift: the plan's actions are not completed and {concern} continues.",
            ],
        ),
    };
    let decision = *rng.pick(decisions);
    let rationale = *rng.pick(rationales);
    let fill_worker = |rng: &mut Rng, t: &str| {
        let t = t.replace("{worker}", worker);
        sentence(fill(rng, &t, child, "Mother"))
    };
    (fill_worker(rng, decision), fill_worker(rng, rationale))
}

/// Actions a manager or supervisor sets.
pub(crate) const ACTIONS: &[&str] = &[
    "Visit the child at school and see them alone",
    "Update the chronology and the risk analysis",
    "Arrange a core group meeting",
    "Chase the health visitor's report",
    "Refer the mother to the Freedom Programme",
    "Book a legal planning meeting",
    "Complete the direct work on wishes and feelings",
    "Check the school attendance figures with the attendance officer",
    "Send the written agreement to the family",
    "Share the plan with the GP",
];

/// The private part of a supervision session.
pub(crate) struct SessionText {
    pub reflective_discussion: String,
    pub wellbeing: String,
    pub workload: String,
    pub learning: String,
}

pub(crate) fn session(rng: &mut Rng, newly_qualified: bool) -> SessionText {
    const REFLECTION: &[&str] = &[
        "We talked about a difficult visit where the father was intimidating, and what helped the worker stay focused on the children.",
        "Reflected on how the worker's own experience of {concern} affects the way they hear the family's account.",
        "We used the Kolb cycle to think about a case where the plan is drifting and what the worker could do differently.",
        "Discussed the emotional impact of a recent disclosure and how the worker looked after themselves afterwards.",
        "Explored the balance between supporting the mother and keeping the children's experience at the centre.",
    ];
    const WELLBEING: &[&str] = &[
        "Feeling well; enjoying the team and the work.",
        "Tired after two late visits this week; agreed to take time back on Friday.",
        "Some stress about a court deadline; manager to cover a duty day.",
        "Back after sickness; phased return agreed with occupational health.",
        "Good; has started running again at lunchtimes.",
    ];
    const WORKLOAD: &[&str] = &[
        "Caseload 18 children, which is manageable; two assessments due next week.",
        "Caseload 24 children, above the team's limit; no new allocations for two weeks.",
        "Caseload 15 children; recording is up to date.",
        "Caseload 21 children; recording two weeks behind, time blocked out on Thursday to catch up.",
        "Protected caseload of 12 children as a newly qualified worker.",
    ];
    const LEARNING: &[&str] = &[
        "Booked on the court skills course in March.",
        "Reading about contextual safeguarding; will present to the team.",
        "Shadowing the senior practitioner at the next initial conference.",
        "Completed the ASYE portfolio section on direct work.",
        "Wants to develop analysis in assessments; using the manager's feedback on the last one.",
    ];
    let reflection = *rng.pick(REFLECTION);
    SessionText {
        reflective_discussion: fill(rng, reflection, "", "Mother"),
        wellbeing: rng.pick(WELLBEING).to_string(),
        workload: if newly_qualified {
            WORKLOAD[4].to_string()
        } else {
            rng.pick(&WORKLOAD[..4]).to_string()
        },
        learning: rng.pick(LEARNING).to_string(),
    }
}

/// One child's case discussed in supervision: the discussion and the decisions.
pub(crate) fn case_discussion(rng: &mut Rng, child: &str) -> (String, String) {
    const DISCUSSION: &[&str] = &[
        "Discussed {child}'s progress: attendance is up and the last two visits found the home settled.",
        "Discussed the new information about {concern} and what it means for {child} day to day.",
        "Reviewed the plan for {child}: two actions are overdue and the family have missed {service}.",
        "Discussed how to get {child}'s views when they do not want to talk at home.",
        "Talked through the assessment of {child}; the analysis needs more on the father's role.",
    ];
    const DECISIONS: &[&str] = &[
        "Continue the plan; visit every two weeks with {child} seen alone.",
        "Bring the review forward and invite the police to the core group.",
        "Complete direct work with {child} before the review using {tool}.",
        "No change to the plan; worker to update the chronology this week.",
        "Consult the team manager about a strategy discussion if there is another incident.",
    ];
    let d = *rng.pick(DISCUSSION);
    let discussion = fill(rng, d, child, "Mother");
    let k = *rng.pick(DECISIONS);
    (discussion, fill(rng, k, child, "Mother"))
}

/// Information from before Cairn or from another agency, recorded by hand in the chronology:
/// (title, summary, source).
pub(crate) const MANUAL_ENTRIES: &[(&str, &str, &str)] = &[
    (
        "Previous domestic abuse notification",
        "Police attended the family home after a neighbour reported shouting; no arrests. The children were present and asleep upstairs.",
        "Police: previous domestic abuse notification",
    ),
    (
        "Attendance at A&E with a head injury",
        "Taken to A&E after a fall from a sofa; discharged the same day. No safeguarding referral was made at the time.",
        "Health: hospital attendance record",
    ),
    (
        "Child protection plan in another authority",
        "Subject to a child protection plan (neglect) for eleven months in a previous local authority; the plan ended when the family moved.",
        "Previous local authority: transfer-in summary",
    ),
    (
        "Fixed-term exclusion",
        "Excluded from primary school for two days for throwing a chair; the school noted concerns about tiredness and hunger.",
        "Education: exclusion record",
    ),
    (
        "Father convicted of assault",
        "Father convicted of assault occasioning actual bodily harm against a previous partner; community order with a programme requirement.",
        "Probation: pre-sentence report",
    ),
    (
        "Early help assessment completed",
        "Early help assessment with the family support service: routines, school attendance and debt advice; closed after six months with progress.",
        "Early help: family support record",
    ),
    (
        "Missed developmental checks",
        "Missed the 9-month and 2-year developmental reviews; three letters sent and one home visit by the health visitor.",
        "Health visiting records",
    ),
];
