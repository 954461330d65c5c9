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
        service -> Text,
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

diesel::table! {
    jobs (id) {
        id -> Text,
        kind -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_after -> Timestamp,
        locked_by -> Nullable<Text>,
        locked_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    threshold_documents (id) {
        id -> Text,
        version_number -> Integer,
        title -> Text,
        status -> Text,
        introduction -> Text,
        signatories -> Text,
        agreed_on -> Nullable<Date>,
        agreed_at -> Nullable<Timestamp>,
        agreed_by -> Nullable<Text>,
        superseded_at -> Nullable<Timestamp>,
        based_on -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    threshold_levels (id) {
        id -> Text,
        document_id -> Text,
        position -> Integer,
        name -> Text,
        summary -> Text,
        response -> Text,
        outcomes -> Text,
    }
}

diesel::table! {
    threshold_indicators (id) {
        id -> Text,
        level_id -> Text,
        domain -> Text,
        position -> Integer,
        text -> Text,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        reference -> Text,
        received_at -> Timestamp,
        recorded_at -> Timestamp,
        recorded_by -> Text,
        backdate_reason -> Nullable<Text>,
        channel -> Text,
        referral_source -> Text,
        concern -> Text,
        categories -> Text,
        consent -> Text,
        consent_reason -> Nullable<Text>,
        immediate_safety -> Bool,
        office_id -> Text,
        out_of_hours -> Bool,
        rag -> Text,
        decision_due_at -> Timestamp,
        status -> Text,
        claimed_by -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        claim_active_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        handover_acknowledged_by -> Nullable<Text>,
        handover_acknowledged_at -> Nullable<Timestamp>,
        version -> Integer,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    contact_referrers (contact_id) {
        contact_id -> Text,
        kind -> Text,
        name -> Nullable<Text>,
        role -> Nullable<Text>,
        organisation -> Nullable<Text>,
        agency -> Nullable<Text>,
        phone -> Nullable<Text>,
        email -> Nullable<Text>,
        address -> Nullable<Text>,
        wants_feedback -> Bool,
    }
}

diesel::table! {
    screening_decisions (id) {
        id -> Text,
        contact_id -> Text,
        threshold_document_id -> Text,
        threshold_level_id -> Text,
        rationale -> Text,
        rag -> Text,
        outcome -> Text,
        early_help_service -> Nullable<Text>,
        override_reason -> Nullable<Text>,
        receiving_team_id -> Nullable<Text>,
        receiving_worker_id -> Nullable<Text>,
        primary_need -> Nullable<Text>,
        status -> Text,
        decided_by -> Text,
        decided_at -> Timestamp,
        finalised_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    decision_indicators (decision_id, indicator_id) {
        decision_id -> Text,
        indicator_id -> Text,
    }
}

diesel::table! {
    decision_reviews (id) {
        id -> Text,
        decision_id -> Text,
        reviewer_id -> Text,
        action -> Text,
        comments -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    referrals (id) {
        id -> Text,
        person_id -> Text,
        contact_id -> Nullable<Text>,
        decision_id -> Nullable<Text>,
        referral_date -> Date,
        referral_source -> Text,
        primary_need -> Text,
        team_id -> Text,
        worker_id -> Nullable<Text>,
        assigned_at -> Nullable<Timestamp>,
        re_referral -> Bool,
        previous_referral_id -> Nullable<Text>,
        closed_on -> Nullable<Date>,
        closure_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    contact_children (id) {
        id -> Text,
        contact_id -> Text,
        person_id -> Text,
        position -> Integer,
        routed_to -> Text,
        open_referral_id -> Nullable<Text>,
        allocated_worker_id -> Nullable<Text>,
        worker_acknowledged_at -> Nullable<Timestamp>,
        decision_id -> Nullable<Text>,
        referral_id -> Nullable<Text>,
        added_at -> Timestamp,
        added_by -> Text,
    }
}

diesel::table! {
    contact_household_members (id) {
        id -> Text,
        contact_id -> Text,
        person_id -> Nullable<Text>,
        name -> Text,
        relationship -> Text,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    out_of_hours_actions (id) {
        id -> Text,
        contact_id -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        details -> Text,
        outstanding -> Nullable<Text>,
        recorded_by -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    message_templates (key) {
        key -> Text,
        subject -> Text,
        body -> Text,
        version -> Integer,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    referrer_messages (id) {
        id -> Text,
        contact_id -> Text,
        decision_id -> Nullable<Text>,
        kind -> Text,
        recipient_name -> Text,
        recipient_email -> Nullable<Text>,
        subject -> Text,
        body -> Text,
        status -> Text,
        due_at -> Timestamp,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        job_id -> Nullable<Text>,
    }
}

diesel::table! {
    timescale_profiles (id) {
        id -> Text,
        name -> Text,
        effective_from -> Date,
        assessment_model -> Text,
        single_assessment_working_days -> Nullable<Integer>,
        initial_assessment_working_days -> Nullable<Integer>,
        core_assessment_working_days -> Nullable<Integer>,
        icpc_working_days -> Integer,
        first_review_months -> Integer,
        review_interval_months -> Integer,
        core_group_working_days -> Integer,
        cp_visit_working_days -> Integer,
        cin_visit_working_days -> Integer,
        cin_review_months -> Integer,
        notes -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    assessments (id) {
        id -> Text,
        referral_id -> Text,
        person_id -> Text,
        kind -> Text,
        status -> Text,
        started_on -> Date,
        worker_id -> Text,
        child_seen_on -> Nullable<Date>,
        child_seen_alone_on -> Nullable<Date>,
        child_views -> Nullable<Text>,
        child_views_not_obtained_reason -> Nullable<Text>,
        parent_views -> Nullable<Text>,
        parent_views_not_obtained_reason -> Nullable<Text>,
        framework -> Text,
        identity -> Text,
        identity_confirmed -> Bool,
        analysis -> Nullable<Text>,
        outcome -> Nullable<Text>,
        outcome_detail -> Nullable<Text>,
        delay_reason -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        submitted_by -> Nullable<Text>,
        authorised_on -> Nullable<Date>,
        authorised_at -> Nullable<Timestamp>,
        authorised_by -> Nullable<Text>,
        quality_rating -> Nullable<Text>,
        revision -> Integer,
        version -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    assessment_factors (assessment_id,code) {
        assessment_id -> Text,
        code -> Text,
    }
}

diesel::table! {
    assessment_revisions (id) {
        id -> Text,
        assessment_id -> Text,
        revision -> Integer,
        snapshot -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    assessment_reviews (id) {
        id -> Text,
        assessment_id -> Text,
        revision -> Integer,
        decision -> Text,
        comments -> Text,
        quality_rating -> Nullable<Text>,
        reviewed_by -> Text,
        reviewed_at -> Timestamp,
    }
}

diesel::table! {
    strategy_discussions (id) {
        id -> Text,
        referral_id -> Text,
        person_id -> Text,
        held_at -> Timestamp,
        information_shared -> Text,
        decision -> Text,
        rationale -> Text,
        chaired_by -> Text,
        version -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    strategy_participants (id) {
        id -> Text,
        strategy_discussion_id -> Text,
        agency -> Text,
        name -> Text,
        role -> Text,
    }
}

diesel::table! {
    section47_enquiries (id) {
        id -> Text,
        referral_id -> Text,
        person_id -> Text,
        strategy_discussion_id -> Text,
        started_on -> Date,
        outcome -> Nullable<Text>,
        outcome_on -> Nullable<Date>,
        outcome_notes -> Nullable<Text>,
        recorded_by -> Nullable<Text>,
        signed_off_by -> Nullable<Text>,
        signed_off_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    cp_plans (id) {
        id -> Text,
        referral_id -> Text,
        person_id -> Text,
        initial_conference_id -> Text,
        started_on -> Date,
        initial_category -> Text,
        latest_category -> Text,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    conferences (id) {
        id -> Text,
        referral_id -> Text,
        person_id -> Text,
        kind -> Text,
        section47_id -> Nullable<Text>,
        cp_plan_id -> Nullable<Text>,
        held_on -> Date,
        chair -> Text,
        decision -> Text,
        category -> Nullable<Text>,
        summary -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    conference_attendees (id) {
        id -> Text,
        conference_id -> Text,
        name -> Text,
        agency -> Text,
        role -> Text,
    }
}

diesel::table! {
    cp_core_group_members (id) {
        id -> Text,
        cp_plan_id -> Text,
        name -> Text,
        agency -> Text,
        role -> Text,
    }
}

diesel::table! {
    core_group_meetings (id) {
        id -> Text,
        cp_plan_id -> Text,
        held_on -> Date,
        summary -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    cin_plans (id) {
        id -> Text,
        referral_id -> Text,
        person_id -> Text,
        started_on -> Date,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    cin_plan_reviews (id) {
        id -> Text,
        cin_plan_id -> Text,
        held_on -> Date,
        decision -> Text,
        summary -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    case_actions (id) {
        id -> Text,
        person_id -> Text,
        source_kind -> Text,
        source_id -> Text,
        description -> Text,
        owner_user_id -> Nullable<Text>,
        owner_name -> Text,
        due_on -> Date,
        status -> Text,
        completed_at -> Nullable<Timestamp>,
        completed_by -> Nullable<Text>,
        completion_note -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    visits (id) {
        id -> Text,
        person_id -> Text,
        referral_id -> Text,
        visited_at -> Timestamp,
        kind -> Text,
        child_seen -> Bool,
        seen_alone -> Bool,
        bedroom_seen -> Bool,
        not_seen_reason -> Nullable<Text>,
        present -> Text,
        observations -> Text,
        worker_id -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    episode_closures (id) {
        id -> Text,
        referral_id -> Text,
        closed_on -> Date,
        reason -> Text,
        summary -> Text,
        status -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        comments -> Nullable<Text>,
    }
}

diesel::table! {
    recording_standards (id) {
        id -> Text,
        name -> Text,
        effective_from -> Date,
        note_delay_working_days -> Integer,
        oversight_interval_working_days -> Integer,
        oversight_points -> Text,
        newly_qualified_weekly_weeks -> Integer,
        newly_qualified_fortnightly_months -> Integer,
        supervision_interval_days -> Integer,
        supervision_minimum_minutes -> Integer,
        notes -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    worker_profiles (user_id) {
        user_id -> Text,
        supervisor_user_id -> Nullable<Text>,
        employment_started_on -> Nullable<Date>,
        newly_qualified_from -> Nullable<Date>,
        version -> Integer,
        updated_at -> Timestamp,
        updated_by -> Text,
        fte_centi -> Integer,
        absent_from -> Nullable<Date>,
        absent_until -> Nullable<Date>,
        absence_reason -> Nullable<Text>,
        left_on -> Nullable<Date>,
    }
}

diesel::table! {
    case_notes (id) {
        id -> Text,
        search_rowid -> BigInt,
        status -> Text,
        kind -> Text,
        occurred_at -> Timestamp,
        recorded_at -> Nullable<Timestamp>,
        recording_delay_working_days -> Nullable<Integer>,
        title -> Text,
        narrative -> Text,
        people_involved -> Text,
        significant -> Bool,
        author_user_id -> Text,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        amended_at -> Nullable<Timestamp>,
        amended_by -> Nullable<Text>,
    }
}

diesel::table! {
    case_note_children (note_id, person_id) {
        note_id -> Text,
        person_id -> Text,
        child_seen -> Bool,
        child_seen_alone -> Bool,
    }
}

diesel::table! {
    case_note_versions (id) {
        id -> Text,
        note_id -> Text,
        version -> Integer,
        kind -> Text,
        occurred_at -> Timestamp,
        title -> Text,
        narrative -> Text,
        people_involved -> Text,
        significant -> Bool,
        children -> Text,
        reason -> Nullable<Text>,
        saved_at -> Timestamp,
        saved_by -> Text,
    }
}

diesel::table! {
    parked_forms (id) {
        id -> Text,
        token_hash -> Text,
        user_id -> Text,
        path -> Text,
        body -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        claimed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    chronology_entries (id) {
        id -> Text,
        person_id -> Text,
        entry_key -> Text,
        source_kind -> Text,
        source_id -> Text,
        category -> Text,
        occurred_at -> Timestamp,
        occurred_precision -> Text,
        title -> Text,
        summary -> Text,
        significant -> Bool,
        source_label -> Text,
        author_user_id -> Nullable<Text>,
        author_name -> Text,
        version -> Integer,
        recorded_at -> Timestamp,
        updated_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        withdrawn_reason -> Nullable<Text>,
    }
}

diesel::table! {
    chronology_entry_versions (id) {
        id -> Text,
        entry_id -> Text,
        version -> Integer,
        occurred_at -> Timestamp,
        title -> Text,
        summary -> Text,
        significant -> Bool,
        replaced_at -> Timestamp,
        replaced_by -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    oversight_records (id) {
        id -> Text,
        person_id -> Text,
        referral_id -> Nullable<Text>,
        point -> Text,
        decision -> Text,
        rationale -> Text,
        decided_at -> Timestamp,
        manager_user_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    supervision_sessions (id) {
        id -> Text,
        worker_user_id -> Text,
        supervisor_user_id -> Text,
        held_on -> Date,
        duration_minutes -> Integer,
        reflective_discussion -> Text,
        wellbeing -> Text,
        workload -> Text,
        learning -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    supervision_case_discussions (id) {
        id -> Text,
        session_id -> Text,
        person_id -> Text,
        discussion -> Text,
        decisions -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    workload_models (id) {
        id -> Text,
        name -> Text,
        effective_from -> Date,
        newly_qualified_percent -> Integer,
        newly_qualified_months -> Integer,
        escalate_unallocated_after_working_days -> Integer,
        notes -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    workload_weights (model_id, dimension, code) {
        model_id -> Text,
        dimension -> Text,
        code -> Text,
        weight_centi -> Integer,
    }
}

diesel::table! {
    workload_capacities (model_id, role) {
        model_id -> Text,
        role -> Text,
        capacity_centi -> Integer,
    }
}

diesel::table! {
    workload_limits (model_id, service) {
        model_id -> Text,
        service -> Text,
        amber_percent -> Integer,
        red_percent -> Integer,
    }
}

diesel::table! {
    allocations (id) {
        id -> Text,
        person_id -> Text,
        referral_id -> Text,
        work_kind -> Text,
        work_id -> Text,
        team_id -> Text,
        worker_id -> Text,
        starts_on -> Date,
        ends_on -> Nullable<Date>,
        reason -> Text,
        end_reason -> Nullable<Text>,
        load_before_centi -> Nullable<Integer>,
        load_after_centi -> Nullable<Integer>,
        capacity_centi -> Nullable<Integer>,
        rating -> Nullable<Text>,
        override_reason -> Nullable<Text>,
        overridden_by -> Nullable<Text>,
        back_dated -> Bool,
        created_at -> Timestamp,
        created_by -> Text,
        ended_at -> Nullable<Timestamp>,
        ended_by -> Nullable<Text>,
        version -> Integer,
    }
}

diesel::table! {
    case_workload_factors (id) {
        id -> Text,
        person_id -> Text,
        factor -> Text,
        note -> Text,
        set_at -> Timestamp,
        set_by -> Text,
        cleared_at -> Nullable<Timestamp>,
        cleared_by -> Nullable<Text>,
    }
}

diesel::table! {
    workload_snapshots (id) {
        id -> Text,
        taken_on -> Date,
        worker_id -> Text,
        team_id -> Nullable<Text>,
        office_id -> Nullable<Text>,
        service -> Nullable<Text>,
        model_id -> Text,
        cases -> Integer,
        pieces_of_work -> Integer,
        weighted_centi -> Integer,
        capacity_centi -> Integer,
        fte_centi -> Integer,
        case_holding -> Bool,
        rating -> Text,
        overdue_recordings -> Integer,
        overdue_visits -> Integer,
        assessments_completed -> Integer,
        assessments_in_time -> Integer,
        assessments_rated -> Integer,
        assessments_rated_good -> Integer,
        taken_at -> Timestamp,
    }
}

diesel::table! {
    workload_snapshot_totals (scope_kind, scope_key, taken_on) {
        scope_kind -> Text,
        scope_key -> Text,
        taken_on -> Date,
        workers -> Integer,
        case_holding -> Integer,
        weighted_centi -> BigInt,
        capacity_centi -> BigInt,
        cases -> BigInt,
        amber -> Integer,
        red -> Integer,
    }
}

diesel::table! {
    workload_alerts (id) {
        id -> Text,
        subject_kind -> Text,
        subject_id -> Text,
        team_id -> Nullable<Text>,
        level -> Text,
        cause -> Text,
        load_percent -> Nullable<Integer>,
        raised_at -> Timestamp,
        updated_at -> Timestamp,
        decision -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        cleared_at -> Nullable<Timestamp>,
        cleared_reason -> Nullable<Text>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        title -> Text,
        body -> Text,
        href -> Text,
        source_kind -> Text,
        source_id -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(case_note_children -> case_notes (note_id));
diesel::joinable!(case_note_children -> people (person_id));
diesel::joinable!(case_note_versions -> case_notes (note_id));
diesel::joinable!(case_notes -> users (author_user_id));
diesel::joinable!(chronology_entries -> people (person_id));
diesel::joinable!(chronology_entry_versions -> chronology_entries (entry_id));
diesel::joinable!(oversight_records -> people (person_id));
diesel::joinable!(oversight_records -> referrals (referral_id));
diesel::joinable!(oversight_records -> users (manager_user_id));
diesel::joinable!(supervision_case_discussions -> supervision_sessions (session_id));
diesel::joinable!(supervision_case_discussions -> people (person_id));
diesel::joinable!(teams -> offices (office_id));
diesel::joinable!(users -> teams (team_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(person_names -> people (person_id));
diesel::joinable!(person_disabilities -> people (person_id));
diesel::joinable!(addresses -> people (person_id));
diesel::joinable!(person_versions -> people (person_id));

diesel::joinable!(threshold_documents -> users (agreed_by));
diesel::joinable!(threshold_levels -> threshold_documents (document_id));
diesel::joinable!(threshold_indicators -> threshold_levels (level_id));
diesel::joinable!(contacts -> offices (office_id));
diesel::joinable!(contact_referrers -> contacts (contact_id));
diesel::joinable!(screening_decisions -> contacts (contact_id));
diesel::joinable!(screening_decisions -> threshold_documents (threshold_document_id));
diesel::joinable!(screening_decisions -> threshold_levels (threshold_level_id));
diesel::joinable!(screening_decisions -> teams (receiving_team_id));
diesel::joinable!(decision_indicators -> screening_decisions (decision_id));
diesel::joinable!(decision_indicators -> threshold_indicators (indicator_id));
diesel::joinable!(decision_reviews -> screening_decisions (decision_id));
diesel::joinable!(decision_reviews -> users (reviewer_id));
diesel::joinable!(referrals -> people (person_id));
diesel::joinable!(referrals -> contacts (contact_id));
diesel::joinable!(referrals -> screening_decisions (decision_id));
diesel::joinable!(referrals -> teams (team_id));
diesel::joinable!(referrals -> users (worker_id));
diesel::joinable!(contact_children -> contacts (contact_id));
diesel::joinable!(contact_children -> people (person_id));
diesel::joinable!(contact_children -> users (allocated_worker_id));
diesel::joinable!(contact_children -> screening_decisions (decision_id));
diesel::joinable!(contact_household_members -> contacts (contact_id));
diesel::joinable!(contact_household_members -> people (person_id));
diesel::joinable!(out_of_hours_actions -> contacts (contact_id));
diesel::joinable!(out_of_hours_actions -> users (recorded_by));
diesel::joinable!(referrer_messages -> contacts (contact_id));
diesel::joinable!(referrer_messages -> screening_decisions (decision_id));
diesel::joinable!(referrer_messages -> jobs (job_id));
diesel::joinable!(assessments -> referrals (referral_id));
diesel::joinable!(assessments -> people (person_id));
diesel::joinable!(assessments -> users (worker_id));
diesel::joinable!(assessment_factors -> assessments (assessment_id));
diesel::joinable!(assessment_revisions -> assessments (assessment_id));
diesel::joinable!(assessment_revisions -> users (created_by));
diesel::joinable!(assessment_reviews -> assessments (assessment_id));
diesel::joinable!(assessment_reviews -> users (reviewed_by));
diesel::joinable!(strategy_discussions -> referrals (referral_id));
diesel::joinable!(strategy_discussions -> people (person_id));
diesel::joinable!(strategy_discussions -> users (chaired_by));
diesel::joinable!(strategy_participants -> strategy_discussions (strategy_discussion_id));
diesel::joinable!(section47_enquiries -> referrals (referral_id));
diesel::joinable!(section47_enquiries -> people (person_id));
diesel::joinable!(section47_enquiries -> strategy_discussions (strategy_discussion_id));
diesel::joinable!(section47_enquiries -> users (recorded_by));
diesel::joinable!(cp_plans -> referrals (referral_id));
diesel::joinable!(cp_plans -> people (person_id));
diesel::joinable!(conferences -> referrals (referral_id));
diesel::joinable!(conferences -> people (person_id));
diesel::joinable!(conferences -> section47_enquiries (section47_id));
diesel::joinable!(conferences -> cp_plans (cp_plan_id));
diesel::joinable!(conference_attendees -> conferences (conference_id));
diesel::joinable!(cp_core_group_members -> cp_plans (cp_plan_id));
diesel::joinable!(core_group_meetings -> cp_plans (cp_plan_id));
diesel::joinable!(cin_plans -> referrals (referral_id));
diesel::joinable!(cin_plans -> people (person_id));
diesel::joinable!(cin_plan_reviews -> cin_plans (cin_plan_id));
diesel::joinable!(case_actions -> people (person_id));
diesel::joinable!(case_actions -> users (owner_user_id));
diesel::joinable!(visits -> people (person_id));
diesel::joinable!(visits -> referrals (referral_id));
diesel::joinable!(visits -> users (worker_id));
diesel::joinable!(episode_closures -> referrals (referral_id));
diesel::joinable!(episode_closures -> users (requested_by));
diesel::joinable!(workload_weights -> workload_models (model_id));
diesel::joinable!(workload_capacities -> workload_models (model_id));
diesel::joinable!(workload_limits -> workload_models (model_id));
diesel::joinable!(allocations -> people (person_id));
diesel::joinable!(allocations -> referrals (referral_id));
diesel::joinable!(allocations -> teams (team_id));
diesel::joinable!(allocations -> users (worker_id));
diesel::joinable!(workload_snapshots -> users (worker_id));
diesel::joinable!(case_workload_factors -> people (person_id));
diesel::joinable!(workload_snapshots -> teams (team_id));
diesel::joinable!(workload_alerts -> teams (team_id));
diesel::joinable!(notifications -> users (user_id));

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
    jobs,
    threshold_documents,
    threshold_levels,
    threshold_indicators,
    contacts,
    contact_referrers,
    screening_decisions,
    decision_indicators,
    decision_reviews,
    referrals,
    contact_children,
    contact_household_members,
    out_of_hours_actions,
    message_templates,
    referrer_messages,
    timescale_profiles,
    assessments,
    assessment_factors,
    assessment_revisions,
    assessment_reviews,
    strategy_discussions,
    strategy_participants,
    section47_enquiries,
    cp_plans,
    conferences,
    conference_attendees,
    cp_core_group_members,
    core_group_meetings,
    cin_plans,
    cin_plan_reviews,
    case_actions,
    visits,
    episode_closures,
    recording_standards,
    worker_profiles,
    case_notes,
    case_note_children,
    case_note_versions,
    parked_forms,
    chronology_entries,
    chronology_entry_versions,
    oversight_records,
    supervision_sessions,
    supervision_case_discussions,
    workload_models,
    workload_weights,
    workload_capacities,
    workload_limits,
    allocations,
    case_workload_factors,
    workload_snapshots,
    workload_snapshot_totals,
    workload_alerts,
    notifications,
);
