-- wrk script: the password login of the bench's login user (no second factor), over and over.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email": "' .. os.getenv("BENCH_LOGIN_EMAIL") .. '", "password": "bench-password-Correct-Horse-9"}'
