-- wrk script: a POST without a body (backup-code regeneration).
wrk.method = "POST"
