import datetime

from django.db import migrations, models


class Migration(migrations.Migration):
    """Rule C4: thresholds are dated, so a past date's segment uses the thresholds of that date."""

    dependencies = [("marketing", "0002_tier_admin_role")]

    operations = [
        migrations.AddField(
            model_name="segmentthresholds", name="valid_from",
            field=models.DateField(default=datetime.date(2000, 1, 1), unique=True, verbose_name="in force from"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="historicalsegmentthresholds", name="valid_from",
            field=models.DateField(db_index=True, default=datetime.date(2000, 1, 1), verbose_name="in force from"),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="segmentthresholds",
            options={"ordering": ["valid_from"], "verbose_name": "segment thresholds", "verbose_name_plural": "segment thresholds"},
        ),
    ]
