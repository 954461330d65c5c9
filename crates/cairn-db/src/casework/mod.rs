//! Storage of casework after the front door: timescale profiles, assessments, strategy
//! discussions, section 47 enquiries, conferences, child protection and child in need plans,
//! visits, actions, episode closures, and the read models behind "my work".

pub mod actions;
pub mod assessments;
pub mod cin_plans;
pub mod closures;
pub mod conferences;
pub mod cp_plans;
pub mod section47;
pub mod strategy;
pub mod timescales;
pub mod visits;
pub mod work;
