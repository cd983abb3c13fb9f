def test_peek(small_range, replay_incident):
    r = replay_incident
    print("PEEK", len(r.disclosed), len(r.broad), len(r.narrowed), r.narrowed_by_amc, r.notified, len(r.logs), len(r.secrets), r.alert_code)
