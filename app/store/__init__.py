"""The encrypted station store: SQLCipher engine, key slots, models, migrations, backups, changes."""
