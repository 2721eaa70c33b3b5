print("imarket")
