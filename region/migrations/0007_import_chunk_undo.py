from django.db import migrations, models

MODELS = ("regionimportchunk", "controlimportchunkreplica")


class Migration(migrations.Migration):
    dependencies = [
        ("region", "0006_add_project_templates_rule_owner"),
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
