//! How two people are related. A relationship is stored once, as "A is *kind* of B", and
//! read from either end: from B's record A is shown with [`RelationshipKind::label`], and
//! from A's record B is shown with [`RelationshipKind::inverse_label`].

use crate::code_list::code_list;
use crate::ids::PersonId;

code_list! {
    /// What person A is to person B.
    pub enum RelationshipKind {
        Mother = "mother" => "Mother",
        Father = "father" => "Father",
        /// A parent where "mother" or "father" is not the right word.
        Parent = "parent" => "Parent",
        StepParent = "step_parent" => "Step-parent",
        Grandparent = "grandparent" => "Grandparent",
        Sibling = "sibling" => "Sibling",
        HalfSibling = "half_sibling" => "Half-sibling",
        StepSibling = "step_sibling" => "Step-sibling",
        /// Someone who looks after B, such as a kinship carer, without a foster approval.
        Carer = "carer" => "Carer",
        FosterCarer = "foster_carer" => "Foster carer",
        HouseholdMember = "household_member" => "Household member",
        Partner = "partner" => "Partner",
        AuntOrUncle = "aunt_or_uncle" => "Aunt or uncle",
        Other = "other" => "Other",
    }
}

impl RelationshipKind {
    /// What B is to A, for showing B on A's record: if A is B's mother, B is A's child.
    pub const fn inverse_label(&self) -> &'static str {
        match self {
            Self::Mother | Self::Father | Self::Parent => "Child",
            Self::StepParent => "Step-child",
            Self::Grandparent => "Grandchild",
            Self::Carer => "Person cared for",
            Self::FosterCarer => "Foster child",
            Self::AuntOrUncle => "Niece or nephew",
            Self::Sibling
            | Self::HalfSibling
            | Self::StepSibling
            | Self::HouseholdMember
            | Self::Partner
            | Self::Other => self.label(),
        }
    }

    /// Whether the relationship reads the same from both ends (siblings, partners).
    pub const fn is_symmetric(&self) -> bool {
        matches!(
            self,
            Self::Sibling
                | Self::HalfSibling
                | Self::StepSibling
                | Self::HouseholdMember
                | Self::Partner
                | Self::Other
        )
    }
}

/// Checks the two ends of a new relationship.
pub fn validate_relationship(a: PersonId, b: PersonId) -> Result<(), &'static str> {
    if a == b {
        return Err("Select a different person – someone cannot be related to themselves");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_labels_read_from_the_other_end() {
        assert_eq!(RelationshipKind::Mother.label(), "Mother");
        assert_eq!(RelationshipKind::Mother.inverse_label(), "Child");
        assert_eq!(RelationshipKind::StepParent.inverse_label(), "Step-child");
        assert_eq!(RelationshipKind::Grandparent.inverse_label(), "Grandchild");
        assert_eq!(
            RelationshipKind::FosterCarer.inverse_label(),
            "Foster child"
        );
        assert_eq!(
            RelationshipKind::AuntOrUncle.inverse_label(),
            "Niece or nephew"
        );
        assert_eq!(
            RelationshipKind::HalfSibling.inverse_label(),
            "Half-sibling"
        );
    }

    #[test]
    fn symmetric_kinds_and_only_they_share_both_labels() {
        for kind in RelationshipKind::ALL {
            assert_eq!(
                kind.is_symmetric(),
                kind.label() == kind.inverse_label(),
                "{kind:?}"
            );
        }
        assert!(RelationshipKind::Partner.is_symmetric());
        assert!(!RelationshipKind::Carer.is_symmetric());
    }

    #[test]
    fn codes_round_trip() {
        assert_eq!(RelationshipKind::ALL.len(), 14);
        for kind in RelationshipKind::ALL {
            assert_eq!(RelationshipKind::from_code(kind.code()), Some(*kind));
        }
        assert_eq!(
            RelationshipKind::from_code("aunt_or_uncle"),
            Some(RelationshipKind::AuntOrUncle)
        );
    }

    #[test]
    fn nobody_is_related_to_themselves() {
        let a = PersonId::new();
        let b = PersonId::new();
        assert!(validate_relationship(a, b).is_ok());
        assert!(validate_relationship(a, a).is_err());
    }
}
