from django.core.management.base import BaseCommand

from bulletin.search.index import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the full-text search index of all articles (e.g. after editing the dictionary)."

    def handle(self, *args, **options):
        count = rebuild_index()
        self.stdout.write(self.style.SUCCESS(f"已重建检索索引：{count} 篇稿件。"))
