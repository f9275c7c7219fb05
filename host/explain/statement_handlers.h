#pragma once
// The handlers the statement table's rows name (statement_forms.cc), one
// per form, grouped as their files are. Each records one fact in a Reading
// and answers what it made of the line (Take, statement_forms.h).

#include "statement_forms.h"

namespace shakedown::explain {

// Handshake progress, certificates and results (statements_progress.cc).
Take take_handshake_start(Reading& r, const Statement& s);
Take take_read_after_handshake(Reading& r, const Statement& s);
Take take_handshake_done(Reading& r, const Statement& s);
Take take_client_state(Reading& r, const Statement& s);
Take take_skip_certificate_verify(Reading& r, const Statement& s);
Take take_tls13_skip_certificate_verify(Reading& r, const Statement& s);
Take take_certificate_request(Reading& r, const Statement& s);
Take take_peer_certificate(Reading& r, const Statement& s);
Take take_verify_flags(Reading& r, const Statement& s);
Take take_alloc_failed(Reading& r, const Statement& s);
Take take_error_return(Reading& r, const Statement& s);
Take take_count_return(Reading& r, const Statement& s);

// The ClientHello and ServerHello (statements_hello.cc).
Take take_offered_suite(Reading& r, const Statement& s);
Take take_client_time(Reading& r, const Statement& s);
Take take_server_name(Reading& r, const Statement& s);
Take take_max_version(Reading& r, const Statement& s);
Take take_supported_version(Reading& r, const Statement& s);
Take take_named_group(Reading& r, const Statement& s);
Take take_signature_scheme(Reading& r, const Statement& s);
Take take_max_fragment_length(Reading& r, const Statement& s);
Take take_chosen_suite(Reading& r, const Statement& s);
Take take_server_tls13(Reading& r, const Statement& s);

// Records, buffers and alerts (statements_records.cc).
Take take_dump_start(Reading& r, const Statement& s);
Take take_alert_received(Reading& r, const Statement& s);
Take take_alert_sent(Reading& r, const Statement& s);
Take take_record_in(Reading& r, const Statement& s);
Take take_record_out(Reading& r, const Statement& s);
Take take_handshake_message(Reading& r, const Statement& s);
Take take_input_overflow(Reading& r, const Statement& s);
Take take_reassembling(Reading& r, const Statement& s);
Take take_fragmentation_unsupported(Reading& r, const Statement& s);
Take take_message_too_short(Reading& r, const Statement& s);

}  // namespace shakedown::explain
