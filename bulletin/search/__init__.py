"""Chinese full-text search over articles.

Text is cut into words by jieba (dictionary mode, no HMM guessing, so the same word is cut the
same way in an article and in a query) plus each publication's own dictionary (SearchTerm,
edited in admin). The index (ArticleIndex) is kept fresh by signals on Article, IssueArticle
and Issue, which reindex the changed articles in one batch when the transaction commits
(bulletin.search.signals), and can be rebuilt with ``manage.py rebuild_search_index``.

Matching: the index holds jieba's words *and* every Chinese character on its own. A query is
cut into words the same way; a row matches when it contains every query word literally
(substring check, so word boundaries that jieba draws differently in a longer sentence never
lose a hit). The full-text index narrows the candidates first: every character of the query
must be an indexed token (PostgreSQL tsvector @@ with GIN, SQLite FTS5 MATCH), and ranking
uses the words and characters (ts_rank / bm25). A one-character query is just one such token.

    text     cutting text into words (jieba + the publication's dictionary)
    index    keeping ArticleIndex in step (index_rows, reindex_articles, rebuild_index)
    query    parsing, matching, ranking, highlighting (search, snippet)
    pages    what a search page shows (reader and desk)
    signals  reindexing after any write, batched per transaction
    backend  the database's full-text structures (tsvector/GIN, FTS5)

The package itself imports nothing: bulletin.models loads search.models while the app's models
are still being defined, before the modules above can import them.
"""
