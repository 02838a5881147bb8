"""Synonyms and the "did you mean" vocabulary; pg_trgm for near words on PostgreSQL.

The shipped synonyms (UK and US spellings, government abbreviations) come from
catalogue/search/data/synonyms.csv, put in by the post_migrate handler (catalogue.search.apps);
publishers add more on /publish/synonyms/.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


def trigram_index(apps, schema_editor):
    # PostgreSQL only: SQLite has no pg_trgm (it suggests words with difflib instead).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS search_searchword_trgm ON search_searchword USING gin (word gin_trgm_ops)"
        )


def trigram_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_searchword_trgm")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalogue', '0014_field_code_list_uri_historicalfield_code_list_uri_and_more'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        TrigramExtension(),
        migrations.CreateModel(
            name='SearchWord',
            fields=[
                ('word', models.CharField(max_length=40, primary_key=True, serialize=False)),
                ('datasets', models.PositiveIntegerField(default=1)),
            ],
        ),
        migrations.CreateModel(
            name='Synonym',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phrase', models.CharField(db_index=True, max_length=100)),
                ('equivalent', models.CharField(db_index=True, max_length=100)),
                ('shipped', models.BooleanField(default=False)),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('removed_at', models.DateTimeField(blank=True, null=True)),
                ('added_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='catalogue.organisation')),
                ('removed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['phrase', 'equivalent'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('removed_at__isnull', True)), fields=('phrase', 'equivalent'), name='synonym_unique_current'), models.CheckConstraint(condition=models.Q(('phrase__lt', models.F('equivalent'))), name='synonym_pair_in_order')],
            },
        ),
        migrations.RunPython(trigram_index, trigram_index_drop),
    ]
