print("appbase")
