from django.db import migrations, models

MODELS = ("controlimportchunk",)


class Migration(migrations.Migration):
    dependencies = [
        ("control", "0006_add_sso_sentry_apps_oauth"),
    ]

    operations = [
        op
        for model in MODELS
        for op in (
            migrations.AddField(
                model_name=model, name="undo_rows", field=models.JSONField(default=list)
            ),
            migrations.AddField(
                model_name=model, name="written_digests", field=models.JSONField(default=dict)
            ),
        )
    ]
