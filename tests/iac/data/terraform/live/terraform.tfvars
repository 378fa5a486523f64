partner_account = "555566667777"
