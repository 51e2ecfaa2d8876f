-- wrk script: register the same push token over and over (the race-free upsert path).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"token": "bench-device-token", "platform": "ios"}'
