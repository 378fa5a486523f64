external_id = "partner-issued-9c1d"
