"""The service's database: models, migrations, the engine and the small typed functions that read and write it."""
