"""The use-case layer: every action a user can take, as one function both faces (pages, JSON API) call.

- sessions: start_session, end_session (and listing, finding, the assessment hold-back rule)
- turns: send_turn (the reply left to stream), take_turn (with the whole reply)
- replies: the peer's reply, claimed in the database, streamed and saved; finish_pending_replies
- reviews: review_turn; people: create_user, add_cohort_member, delete_user; exports: export_my_data,
  session_to_export; access: readable/writable/reviewable_session

Each enforces its rules, raises `app.errors` domain errors (mapped once in main.py), writes its
audit row (typed events, app.auth.audit) in its own transaction and returns a typed result.
"""
