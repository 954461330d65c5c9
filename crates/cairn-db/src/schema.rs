//! Diesel table definitions, matching both migration trees (a parity test keeps them equal).

diesel::table! {
    offices (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    teams (id) {
        id -> Text,
        office_id -> Text,
        name -> Text,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        username -> Text,
        display_name -> Text,
        email -> Text,
        role -> Text,
        team_id -> Nullable<Text>,
        password_hash -> Text,
        must_change_password -> Bool,
        active -> Bool,
        access_expires_on -> Nullable<Date>,
        failed_login_count -> Integer,
        locked_until -> Nullable<Timestamp>,
        last_login_at -> Nullable<Timestamp>,
        password_changed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        absolute_expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
        end_reason -> Nullable<Text>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Text,
        user_id -> Text,
        name -> Text,
        token_prefix -> Text,
        token_hash -> Text,
        scopes -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        created_by -> Text,
        revoked_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_label -> Text,
        session_id -> Nullable<Text>,
        request_id -> Nullable<Text>,
        action -> Text,
        outcome -> Text,
        entity_type -> Nullable<Text>,
        entity_id -> Nullable<Text>,
        person_id -> Nullable<Text>,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_chain_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    id_sequences (name) {
        name -> Text,
        next_value -> BigInt,
    }
}

diesel::table! {
    people (id) {
        id -> Text,
        local_id -> Text,
        kind -> Text,
        given_names -> Text,
        family_name -> Text,
        given_norm -> Text,
        family_norm -> Text,
        given_phonetic -> Text,
        family_phonetic -> Text,
        date_of_birth -> Nullable<Date>,
        expected_date_of_birth -> Nullable<Date>,
        date_of_death -> Nullable<Date>,
        sex -> Text,
        gender_identity -> Nullable<Text>,
        ethnicity -> Nullable<Text>,
        first_language -> Nullable<Text>,
        interpreter_needed -> Bool,
        religion -> Nullable<Text>,
        nhs_number -> Nullable<Text>,
        upn -> Nullable<Text>,
        former_upn -> Nullable<Text>,
        entered_in_error_at -> Nullable<Timestamp>,
        entered_in_error_reason -> Nullable<Text>,
        entered_in_error_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    person_names (id) {
        id -> Text,
        person_id -> Text,
        kind -> Text,
        given_names -> Text,
        family_name -> Text,
        family_norm -> Text,
        family_phonetic -> Text,
        given_phonetic -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    person_disabilities (person_id, code) {
        person_id -> Text,
        code -> Text,
    }
}

diesel::table! {
    addresses (id) {
        id -> Text,
        person_id -> Text,
        line1 -> Text,
        line2 -> Nullable<Text>,
        town -> Nullable<Text>,
        postcode -> Nullable<Text>,
        postcode_search -> Nullable<Text>,
        confidential -> Bool,
        from_date -> Nullable<Date>,
        to_date -> Nullable<Date>,
        created_at -> Timestamp,
        created_by -> Text,
        entered_in_error_at -> Nullable<Timestamp>,
        entered_in_error_reason -> Nullable<Text>,
    }
}

diesel::table! {
    relationships (id) {
        id -> Text,
        person_a -> Text,
        person_b -> Text,
        kind -> Text,
        lives_together -> Bool,
        started_on -> Nullable<Date>,
        ended_on -> Nullable<Date>,
        created_at -> Timestamp,
        created_by -> Text,
        entered_in_error_at -> Nullable<Timestamp>,
        entered_in_error_reason -> Nullable<Text>,
    }
}

diesel::table! {
    person_versions (id) {
        id -> Text,
        person_id -> Text,
        version -> Integer,
        snapshot -> Text,
        changed_at -> Timestamp,
        changed_by -> Text,
        change_reason -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        at -> Timestamp,
        kind -> Text,
        person_id -> Nullable<Text>,
        entity_type -> Text,
        entity_id -> Text,
        actor_user_id -> Text,
        data -> Text,
    }
}

diesel::joinable!(teams -> offices (office_id));
diesel::joinable!(users -> teams (team_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(person_names -> people (person_id));
diesel::joinable!(person_disabilities -> people (person_id));
diesel::joinable!(addresses -> people (person_id));
diesel::joinable!(person_versions -> people (person_id));

diesel::allow_tables_to_appear_in_same_query!(
    offices,
    teams,
    users,
    sessions,
    api_tokens,
    audit_log,
    audit_chain_head,
    id_sequences,
    people,
    person_names,
    person_disabilities,
    addresses,
    relationships,
    person_versions,
    events,
);
