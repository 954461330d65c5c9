//! Contacts at the front door: recording one in two steps, the contact's page, naming a child
//! on a contact recorded before the child was identified, and the referrer's letters.
//!
//! Times are stored in UTC and shown, and typed, as the clock on the wall in England
//! ([`crate::pages::uk_time`]).

mod add_child;
mod choose_children;
mod contact_form;
mod contact_page;
mod letters;
mod links;

pub use add_child::{add_child, add_child_form};
pub use choose_children::{ChildrenPage, ChosenChild, ExistingContact, choose_children};
pub use contact_form::{ContactFormPage, ContactFormValues, HouseholdRow, create, details_form};
pub(crate) use contact_page::load_contact;
pub use contact_page::{
    ActionFormValues, ActionLine, ChildLine, ContactPage, DecisionLine, MessageLine, ReferralLine,
    ReviewLine, contact_status_tag, message_status_tag, show,
};
pub use letters::letter;
pub use links::{return_with_child, safe_return_to};

const SECTION: &str = "contacts";
