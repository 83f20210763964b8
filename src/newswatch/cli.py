"""The ``newswatch`` command: a thin Typer layer over ingest, store, enrich and query.

Domain errors become one red line and a non-zero exit code; ``--debug`` shows the
traceback instead.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newswatch import __version__
from newswatch.config import Settings
from newswatch.errors import ConfigError, NewswatchError, StoreError
from newswatch.store.database import ArticleFilter, Store

app = typer.Typer(
    help="Watch the news about a topic: who said what, when, where — with evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cpec"


class _State:
    settings = Settings()
    debug = False
    _store: Store | None = None

    def store(self) -> Store:
        if self._store is None:
            s = self.settings
            self._store = Store.open(
                s.database_url(),
                minhash_bands=s.minhash_bands,
                near_duplicate_threshold=s.near_duplicate_threshold,
            )
        return self._store


state = _State()


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(help="Store: a file path or SQLAlchemy URL (env NEWSWATCH_DB)."),
    ] = None,
    debug: Annotated[bool, typer.Option(help="Show tracebacks.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    if version:
        console.print(f"newswatch {__version__}")
        raise typer.Exit()
    state.settings = Settings(db=db) if db else Settings()
    state.debug = debug
    state._store = None


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[current]}", style="dim"),
        console=err_console,
        transient=False,
    )


def _filters(
    since: str | None, until: str | None, outlet: str | None, lang: str | None
) -> ArticleFilter:
    return ArticleFilter(since=since, until=until, outlet=outlet, language=lang)


SinceOpt = Annotated[str | None, typer.Option(help="From this day (YYYY-MM-DD), inclusive.")]
UntilOpt = Annotated[str | None, typer.Option(help="Up to this day (YYYY-MM-DD), inclusive.")]
OutletOpt = Annotated[str | None, typer.Option(help="Only this outlet (case-insensitive).")]
LangOpt = Annotated[str | None, typer.Option("--lang", help="Only this language (ISO 639-1).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


# ── ingest ──────────────────────────────────────────────────────────────────────


@app.command()
def ingest(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders, feed or page URLs.")],
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="Force a reader: seed, text, html, feed, jsonl, csv, reuters."
        ),
    ] = None,
    map_: Annotated[
        str | None,
        typer.Option("--map", help="JSONL/CSV field map, e.g. text=body,date=published."),
    ] = None,
    metadata: Annotated[
        Path | None, typer.Option(help="Metadata sidecar (CSV/TSV keyed by file name).")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Read sources into the store (idempotent: re-ingesting is safe)."""
    from newswatch.ingest.core import ingest as run_ingest
    from newswatch.ingest.tabular import parse_field_map

    field_map = parse_field_map(map_) if map_ else {}
    store = state.store()
    with _progress() as progress:
        task = progress.add_task("ingest", total=None, current="")

        def report(done: int, total: int, location: str) -> None:
            progress.update(task, completed=done, total=total, current=Path(location).name[-40:])

        result = run_ingest(
            store,
            inputs,
            state.settings,
            reader=fmt,
            field_map=field_map,
            sidecar=metadata,
            progress=report,
        )
    if json_:
        print(json.dumps({
            "counts": dict(result.counts),
            "problems": [{"source": p.source, "reason": p.reason, "action": p.action}
                         for p in result.problems],
        }))  # fmt: skip
    else:
        _print_ingest_summary(result.counts, result.problems)
    if result.nothing_read:
        err_console.print("[red]nothing could be ingested[/red]; see the reasons above")
        raise typer.Exit(1)


def _print_ingest_summary(counts: Any, problems: list[Any]) -> None:
    table = Table(title=f"ingest into {state.store().url}", title_justify="left")
    columns = ("read", "new", "updated", "unchanged", "duplicate", "near-duplicate",
               "quarantined", "repaired", "skipped")  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    table.add_row(*(str(counts.get(c, 0)) for c in columns))
    console.print(table)
    for problem in problems[:50]:
        colour = "red" if problem.action == "rejected" else "yellow"
        console.print(
            f"[{colour}]{problem.action}[/{colour}] {escape(problem.source)}: {escape(problem.reason)}"
        )
    if len(problems) > 50:
        console.print(f"… and {len(problems) - 50} more: `newswatch quarantine` lists them all")


# ── enrich ──────────────────────────────────────────────────────────────────────


@app.command()
def enrich(
    stage: Annotated[
        list[str] | None, typer.Option("--stage", help="Run only this stage (repeatable).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Redo the named stages on every article.")] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Send batches to the Dask cluster at this address (tcp://host:8786)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Send batches to a local Dask cluster of N processes.")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Run enrichment stages over the articles that need them: in this process, or on a
    Dask cluster (--workers N here, --scheduler ADDRESS anywhere)."""
    from newswatch.enrich.stage import resolve

    if force and not stage:
        raise NewswatchError("--force needs --stage NAME: say which stage to redo")
    if workers is not None and workers < 1:
        raise NewswatchError("--workers needs a number of worker processes, 1 or more")
    with _progress() as progress:
        task = progress.add_task("enrich", total=None, current=", ".join(stage or ["all stages"]))
        show = lambda d, t: progress.update(task, completed=d, total=t)  # noqa: E731
        if scheduler or workers:
            from newswatch.enrich.distributed import enrich_on_cluster

            done = enrich_on_cluster(state.settings.database_url(), stage, scheduler=scheduler, workers=workers,
                                     force=force, batch_size=state.settings.enrich_batch,
                                     progress=show)  # fmt: skip
        else:
            from newswatch.enrich.runner import enrich as run_enrich

            done = run_enrich(state.store(), stage, force=force,
                              batch_size=state.settings.enrich_batch, progress=show)  # fmt: skip
    if json_:
        print(json.dumps(dict(done)))
        return
    table = Table("stage", "version", "articles processed", title="enrich", title_justify="left")
    for spec in resolve(stage):
        table.add_row(spec.name, spec.version, str(done.get(spec.name, 0)))
    console.print(table)


# ── query ───────────────────────────────────────────────────────────────────────


def _rich_snippet(snippet: str) -> str:
    return escape(snippet).replace("\x02", "[bold yellow]").replace("\x03", "[/bold yellow]")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Words, "phrases", OR, NOT/-word, prefix*.')],
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    lang: LangOpt = None,
    limit: Annotated[int, typer.Option(help="Number of hits.")] = 20,
    json_: JsonOpt = False,
) -> None:
    """Full-text search, ranked by BM25, with highlighted snippets."""
    hits = state.store().search(query, _filters(since, until, outlet, lang), limit=limit)
    if json_:
        print(json.dumps([
            {**hit.__dict__, "snippet": hit.snippet.replace("\x02", "<b>").replace("\x03", "</b>")}
            for hit in hits
        ], ensure_ascii=False))  # fmt: skip
        return
    if not hits:
        console.print(f"no articles match {escape(query)!r}")
        return
    table = Table("id", "score", "published", "outlet", "title / snippet", show_lines=True)
    for hit in hits:
        table.add_row(
            str(hit.id),
            f"{hit.score:.3g}",
            hit.published or "?",
            escape(hit.outlet or "?"),
            f"[bold]{escape(hit.title or '(untitled)')}[/bold]\n{_rich_snippet(hit.snippet)}",
        )
    console.print(table)


@app.command()
def show(
    article_id: Annotated[int, typer.Argument(help="Article id (from search).")],
    techniques: Annotated[
        bool,
        typer.Option("--techniques", help="Highlight persuasion-technique spans in the text."),
    ] = False,
    topics: Annotated[
        bool, typer.Option("--topics", help="List the article's topics and frames with evidence.")
    ] = False,
    tone: Annotated[
        bool, typer.Option("--tone", help="List the tone toward each target, with evidence.")
    ] = False,
    claims: Annotated[
        bool, typer.Option("--claims", help="List the article's check-worthy claims.")
    ] = False,
    json_: JsonOpt = False,
) -> None:
    """Print one article with its metadata, then its entities, roles, time expressions,
    quotes and events, each with its character span; ``--techniques`` highlights the
    persuasion techniques in the text and adds the article's technique profile;
    ``--topics`` lists its topics and frames with their evidence sentences, ``--tone``
    the tone toward each watched topic and actor, ``--claims`` its check-worthy claims."""
    from newswatch.query.claims import claims as find_claims
    from newswatch.query.export import record
    from newswatch.query.facts import article_facts
    from newswatch.query.techniques import article_profile
    from newswatch.query.tone import article_tone
    from newswatch.query.topics import article_topics

    store = state.store()
    article = store.get(article_id)
    row = record(article)
    found = article_facts(store, article_id)
    profile = article_profile(store, article_id) if techniques else None
    topic_rows = article_topics(store, article_id) if topics else None
    tone_rows = article_tone(store, article_id) if tone else None
    claim_rows = (
        find_claims(store, filters=ArticleFilter(ids=(article_id,)), limit=None) if claims else None
    )
    if json_:
        row["sentences"] = len(store.annotations(article_id, ["sentence"]))
        row["enriched_by"] = store.stage_runs(article_id)
        extra: dict[str, Any] = {"techniques": profile} if profile else {}
        extra |= {"topics": topic_rows} if topic_rows else {}
        extra |= {"tone": tone_rows} if tone_rows is not None else {}
        extra |= {"claims": claim_rows} if claim_rows is not None else {}
        print(json.dumps(row | found | extra, ensure_ascii=False))
        return
    table = Table(show_header=False, box=None)
    table.add_column(style="bold cyan")
    table.add_column()
    for key in ("id", "title", "published", "outlet", "place", "dateline", "authors",
                "language", "url", "source_key", "version", "word_count"):  # fmt: skip
        value = row[key]
        if key == "published" and value:
            value = f"{value} ({row['published_precision']}, from {row['published_source']})"
        if key == "title" and row["title_source"]:
            value = f"{value}  [dim](title from {row['title_source']})[/dim]"
        if key == "authors":
            value = ", ".join(value) or None
        table.add_row(key, escape(str(value)) if value is not None and key != "title" else
                      (value if value is not None else "[dim]unknown[/dim]"))  # fmt: skip
    members = store.cluster_members(article.syndication_cluster)
    if len(members) > 1:
        first = members[0]
        table.add_row("syndication", f"cluster {article.syndication_cluster}: {len(members)} copies;"
                      f" first: id {first.id} ({first.outlet or '?'}, {first.published.value if first.published else '?'})")  # fmt: skip
    if article.superseded_by:
        table.add_row("superseded by", str(article.superseded_by))
    runs = store.stage_runs(article_id)
    table.add_row("enriched by", ", ".join(sorted(runs)) or "[dim]not enriched yet[/dim]")
    console.print(table)
    console.print()
    if profile is None:
        console.print(escape(article.text))
        _print_article_facts(found)
    else:
        console.print(_highlighted(article.text, profile["spans_found"]))
        _print_article_facts(found)
        _print_technique_profile(profile)
    if topic_rows is not None:
        _print_article_topics(topic_rows)
    if tone_rows is not None:
        _print_article_tone(tone_rows)
    if claim_rows is not None:
        console.print(
            _claim_briefing(claim_rows) if claim_rows else "[dim]no check-worthy claims[/dim]"
        )


def _print_article_tone(rows: list[dict[str, Any]]) -> None:
    if not rows:
        console.print("[dim]tone: no targets read (has `newswatch enrich` run?)[/dim]")
        return
    table = Table("target", "mentions", "neg", "neu", "pos", "net tone", "evidence",
                  title="tone toward targets", title_justify="left", show_lines=True)  # fmt: skip
    for r in rows:
        evidence = "\n".join(f"{e['score']:+.2f} {_highlight(e['sentence'], e['mention'])}"
                             for e in r["evidence"])  # fmt: skip
        table.add_row(escape(r["target"]), str(r["mentions"]), str(r["negative"]),
                      str(r["neutral"]), str(r["positive"]), f"{r['net_tone']:+.2f}", evidence)  # fmt: skip
    console.print(table)


def _print_article_topics(found: dict[str, Any]) -> None:
    if not found["processed"]:
        console.print("[dim]topics: not run on this article yet (`newswatch enrich`)[/dim]")
        return
    table = Table("topic", "kind", "share", "sentences", "best similarity", "evidence",
                  title="topics and frames (share: of the title and sentences carrying it)",
                  title_justify="left", show_lines=True)  # fmt: skip
    for t in found["topics"]:
        evidence = "\n".join(f"{e['start']}-{e['end']} {escape(e['text'][:100])}"
                             for e in t["evidence"])  # fmt: skip
        table.add_row(escape(t["topic"]), t["kind"], f"{t['share']:.2f}",
                      str(t["sentences"]) + (" + title" if t["in_title"] else ""),
                      f"{t['best_similarity']:.2f}", evidence)  # fmt: skip
    console.print(table if found["topics"] else "[dim]topics: no topic carried[/dim]")


def _print_article_facts(found: dict[str, list[dict[str, Any]]]) -> None:
    def span(row: dict[str, Any]) -> str:
        return f"{row['start']}-{row['end']}"

    listings = {
        "entities": [(span(e), e["type"], escape(e["text"]) + (f" → {escape(e['name'])}"
                      if e["name"] != e["text"] else "")) for e in found["entities"]],
        "roles": [(span(r), escape(r["person"]), escape(_roles_text([r])))
                  for r in found["roles"]],
        "times": [(span(t), t["type"], f"{escape(t['text'])} → {t['value']}")
                  for t in found["times"]],
    }  # fmt: skip
    for title, rows in listings.items():
        if rows:
            table = Table("span", "", "", title=title, title_justify="left", show_header=False)
            for cells in rows:
                table.add_row(*cells)
            console.print(table)
    if found["quotes"]:
        console.print(_quote_table(found["quotes"], "quotes"))
    if found["events"]:
        console.print(_event_table(found["events"], "events"))


@app.command()
def stats(json_: JsonOpt = False) -> None:
    """Counts: raw and deduplicated articles, outlets, dates, languages, quarantine."""
    data = state.store().stats()
    if json_:
        print(json.dumps(data, ensure_ascii=False))
        return
    table = Table(show_header=False, title=f"store {state.store().url}", title_justify="left")
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in list(value.items())[:12]) or "-"
        table.add_row(key, escape(str(value)))
    console.print(table)


@app.command()
def migrate(json_: JsonOpt = False) -> None:
    """Upgrade the store's schema in place to this version's (SQLite or PostgreSQL)."""
    store = Store.at(state.settings.database_url())
    before, after = store.migrate()
    if json_:
        print(json.dumps({"store": store.url, "from": before, "to": after}))
        return
    if before == after:
        console.print(f"store {store.url} is current (schema revision {after})")
    else:
        console.print(f"store {store.url} upgraded: schema revision {before or 'none'} → {after}")


@app.command()
def copy(
    to: Annotated[str, typer.Option("--to", help="The new store: a file path or URL.")],
    from_: Annotated[
        str | None, typer.Option("--from", help="The store to copy (default: --db).")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """Copy a whole store into a new one, e.g. SQLite to PostgreSQL, ids and all; then
    verify it: row counts and checksums of every table must match."""
    from newswatch.store.transfer import checksums, copy_store

    source = Store.open(Settings(db=from_).database_url()) if from_ else state.store()
    target = Store.open(Settings(db=to).database_url())
    with _progress() as progress:
        task = progress.add_task("copy", total=None, current="")
        before = copy_store(source, target,
                            progress=lambda table, n: progress.update(task, completed=n, current=table))  # fmt: skip
    after = checksums(target)
    if json_:
        print(json.dumps({"from": source.url, "to": target.url, "tables": {
            name: {"rows": rows, "checksum": digest, "verified": after[name] == (rows, digest)}
            for name, (rows, digest) in before.items()}}))  # fmt: skip
    else:
        table = Table("table", "rows", "checksum", "copy", title=f"{source.url} → {target.url}",
                      title_justify="left")  # fmt: skip
        for name, (rows, digest) in before.items():
            same = after[name] == (rows, digest)
            table.add_row(name, str(rows), digest[:16], "verified" if same else "[red]DIFFERS")
        console.print(table)
    if before != after:
        raise StoreError(f"the copy in {target.url} differs from {source.url}: see the table")


# ── facts: who, what, when, where ─────────────────────────────────────────────


def _print_json(rows: Any) -> None:
    print(json.dumps(rows, ensure_ascii=False))


def _roles_text(roles: list[dict[str, Any]]) -> str:
    return "; ".join(
        r["title"] + (f", {r['organisation']}" if r["organisation"] else "") for r in roles
    )


def _quote_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table("article", "published", "speaker", "cue", "quote", title=title,
                  title_justify="left", show_lines=True)  # fmt: skip
    for q in rows:
        table.add_row(f"{q['article_id']} @{q['start']}", q["published"] or "?",
                      escape(q["speaker"] or "?"), escape(q["cue"] or ""),
                      escape(q["text"]))  # fmt: skip
    return table


def _event_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table("date", "type", "event", "place", "participants", "evidence", title=title,
                  title_justify="left", show_lines=True)  # fmt: skip
    for e in rows:
        place = e["place"] or ("video link" if e["mode"] == "virtual" else "")
        people = "; ".join(f"{p['name']} ({p['role']})" for p in e["participants"])
        table.add_row(e["date"] or "?", e["type"], escape(e["name"]), escape(place),
                      escape(people), f"{e['article_id']} @{e['start']}")  # fmt: skip
    return table


@app.command()
def entities(
    type_: Annotated[
        str | None, typer.Option("--type", help="PERSON, ORG, GPE, NORP, EVENT, DISEASE …")
    ] = None,
    query: Annotated[str | None, typer.Option(help="Name or alias contains this.")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    lang: LangOpt = None,
    limit: Annotated[int, typer.Option(help="Number of entities.")] = 30,
    json_: JsonOpt = False,
) -> None:
    """Canonical entities by mentions, with aliases and roles (run `enrich` first)."""
    from newswatch.query.facts import entities as find

    rows = find(state.store(), type_, query, _filters(since, until, outlet, lang), limit)
    if json_:
        _print_json(rows)
        return
    table = Table("entity", "type", "mentions", "articles", "aliases", "roles",
                  show_lines=False)  # fmt: skip
    for r in rows:
        table.add_row(escape(r["name"]), r["type"], str(r["mentions"]), str(r["articles"]),
                      escape(", ".join(r["aliases"][:4])), escape(_roles_text(r["roles"])))  # fmt: skip
    console.print(table if rows else "no entities found (has `newswatch enrich` run?)")


@app.command()
def entity(
    name: Annotated[str, typer.Argument(help="A name or alias: 'Xi Jinping', 'Xi', 'CPEC'.")],
    since: SinceOpt = None,
    until: UntilOpt = None,
    json_: JsonOpt = False,
) -> None:
    """One entity: aliases, roles, mentions over time, quotes by and about it, and the
    entities it appears with."""
    from newswatch.query.facts import find_entity

    try:
        profile = find_entity(state.store(), name, _filters(since, until, None, None))
    except LookupError:
        raise NewswatchError(
            f"no entity matches {name!r}; try `newswatch entities --query`"
        ) from None
    if json_:
        _print_json(profile)
        return
    console.rule(f"[bold]{escape(profile['name'])}[/bold] ({profile['type']})")
    console.print(f"[bold]mentions[/bold]: {profile['mentions']} in {profile['articles']} articles")
    console.print(f"[bold]aliases[/bold]: {escape(', '.join(profile['aliases'])) or '-'}")
    console.print(f"[bold]roles[/bold]: {escape(_roles_text(profile['roles'])) or '-'}")
    timeline = ", ".join(f"{d['date']} ({d['mentions']})" for d in profile["mentions_over_time"])
    console.print(f"[bold]mentions over time[/bold]: {timeline}")
    together = ", ".join(f"{escape(c['name'])} ({c['articles']})" for c in profile["co_occurring"])
    console.print(f"[bold]appears with[/bold]: {together or '-'}")
    if profile["quotes_by"]:
        console.print(_quote_table(profile["quotes_by"], "quotes by"))
    if profile["quotes_about"]:
        console.print(_quote_table(profile["quotes_about"], "quotes about"))


@app.command()
def quotes(
    speaker: Annotated[str | None, typer.Option(help="Said by this entity.")] = None,
    about: Annotated[str | None, typer.Option(help="Naming this entity in the quote.")] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    lang: LangOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Who said what: direct and reported speech with speaker, cue and evidence."""
    from newswatch.query.facts import quotes as find

    rows = find(state.store(), speaker, about, _filters(since, until, outlet, lang))
    if json_:
        _print_json(rows)
        return
    console.print(_quote_table(rows, "quotes") if rows else "no quotes found")


@app.command()
def events(
    type_: Annotated[
        str | None,
        typer.Option("--type", help="meeting, conference, visit, agreement, statement, message …"),
    ] = None,
    since: Annotated[str | None, typer.Option(help="Events on or after this day.")] = None,
    until: Annotated[str | None, typer.Option(help="Events on or before this day.")] = None,
    place: Annotated[str | None, typer.Option(help="Only events held here.")] = None,
    outlet: OutletOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Meetings, conferences, visits, agreements, statements and messages, in date order."""
    from newswatch.query.facts import events as find

    rows = find(state.store(), type_, place, _filters(since, until, outlet, None))
    if json_:
        _print_json(rows)
        return
    console.print(_event_table(rows, "events") if rows else "no events found")


# ── persuasion techniques ─────────────────────────────────────────────────────

TECHNIQUE_TAGS = {
    "Loaded_Language": ("LL", "bold yellow"),
    "Name_Calling,Labeling": ("NC", "bold red"),
    "Repetition": ("REP", "bold magenta"),
    "Doubt": ("DBT", "bold cyan"),
    "Exaggeration,Minimisation": ("EXG", "bold green"),
    "Appeal_to_fear-prejudice": ("FEAR", "bold bright_red"),
    "Flag-Waving": ("FLAG", "bold blue"),
    "Causal_Oversimplification": ("CAUSE", "bold bright_cyan"),
    "Appeal_to_Authority": ("AUTH", "bold bright_blue"),
    "Slogans": ("SLOG", "bold bright_magenta"),
    "Whataboutism,Straw_Men,Red_Herring": ("WSR", "bold bright_green"),
    "Black-and-White_Fallacy": ("BW", "bold white"),
    "Thought-terminating_Cliches": ("TTC", "bold bright_yellow"),
    "Bandwagon,Reductio_ad_hitlerum": ("BAND", "bold bright_white"),
}
"""Short tag and terminal style of each technique in highlighted text."""


def _highlighted(text: str, spans: list[dict[str, Any]]) -> Any:
    """The text with each technique span styled and tagged ``[LL]`` after it (a span that
    starts inside an earlier one is listed in the table below, not nested)."""
    from rich.text import Text

    out, cursor = Text(), 0
    for span in sorted(spans, key=lambda s: (s["start"], -s["end"])):
        if span["start"] < cursor:
            continue
        tag, style = TECHNIQUE_TAGS.get(span["technique"], ("?", "bold"))
        out.append(text[cursor : span["start"]])
        out.append(text[span["start"] : span["end"]], style=f"{style} underline")
        out.append(f"[{tag}]", style=style.replace("bold ", "") + " dim")
        cursor = span["end"]
    out.append(text[cursor:])
    return out


def _print_technique_profile(profile: dict[str, Any]) -> None:
    if not profile["processed"]:
        console.print("[dim]techniques: not run on this article yet (`newswatch enrich`)[/dim]")
        return
    table = Table("technique", "tag", "spans", "per 1,000 words", title=(
        f"technique profile: {profile['spans']} spans, {profile['per_1000_words']} per 1,000 "
        f"words"), title_justify="left")  # fmt: skip
    for technique, row in sorted(profile["techniques"].items(), key=lambda kv: -kv[1]["count"]):
        table.add_row(technique, TECHNIQUE_TAGS[technique][0], str(row["count"]),
                      str(row["per_1000_words"]))  # fmt: skip
    console.print(table)
    spans = Table("span", "technique", "confidence", "text", title="technique spans",
                  title_justify="left")  # fmt: skip
    for s in profile["spans_found"]:
        spans.add_row(f"{s['start']}-{s['end']}", s["technique"], f"{s['score']:.2f}",
                      escape(s["text"]))  # fmt: skip
    console.print(spans)


@app.command()
def techniques(
    by: Annotated[
        str, typer.Option(help="Group by article, outlet, day, week (ISO) or month.")
    ] = "article",
    technique: Annotated[
        str | None, typer.Option(help="List this technique's spans (name or part of it).")
    ] = None,
    spans: Annotated[bool, typer.Option("--spans", help="List spans with evidence.")] = False,
    min_score: Annotated[float, typer.Option(help="Minimum span confidence (0-1).")] = 0.0,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    lang: LangOpt = None,
    limit: Annotated[int, typer.Option(help="Rows to print (JSON has all).")] = 50,
    json_: JsonOpt = False,
) -> None:
    """Persuasion techniques: spans per 1,000 words by article, outlet or period, or the
    spans themselves (`--spans`, `--technique NAME`) with their evidence."""
    from newswatch.query import techniques as query

    filters = _filters(since, until, outlet, lang)
    if spans or technique:
        rows = query.technique_spans(state.store(), filters, technique, min_score)
        if json_:
            _print_json(rows)
            return
        table = Table("article", "published", "outlet", "technique", "conf.", "text")
        for r in rows[:limit]:
            table.add_row(str(r["article_id"]), r["published"] or "?", escape(r["outlet"] or "?"),
                          r["technique"], f"{r['score']:.2f}", escape(r["text"]))  # fmt: skip
        console.print(table if rows else "no technique spans found (has `newswatch enrich` run?)")
        return
    if by not in ("article", "outlet", "day", "week", "month"):
        raise ConfigError(f"--by {by!r}: expected article, outlet, day, week or month")
    rows = query.profiles(state.store(), by, filters, min_score)  # type: ignore[arg-type]
    if json_:
        _print_json(rows)
        return
    shown = [t for t in TECHNIQUE_TAGS if any(t in r["techniques"] for r in rows)]
    table = Table(by, "articles", "words", "spans", "per 1k",
                  *(TECHNIQUE_TAGS[t][0] for t in shown),
                  title="technique spans per 1,000 words", title_justify="left")  # fmt: skip
    for r in rows[:limit]:
        label = r["group"] if by != "article" else f"{r['group']} {(r['title'] or '')[:40]}"
        table.add_row(escape(label), str(r["articles"]), f"{r['words']:,}", str(r["spans"]),
                      str(r["per_1000_words"]),
                      *(str(r["techniques"].get(t, {}).get("per_1000_words", "")) for t in shown))  # fmt: skip
    console.print(table if rows else "no articles processed by the techniques stage yet")
    if shown:
        console.print("[dim]" + "; ".join(f"{TECHNIQUE_TAGS[t][0]} {t}" for t in shown) + "[/dim]")


@app.command()
def topics(
    by: Annotated[str, typer.Option(help="Group by day, week (ISO), month or outlet.")] = "week",
    topic: Annotated[
        str | None, typer.Option(help="Only this topic (its name or part of it).")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    lang: LangOpt = None,
    limit: Annotated[int, typer.Option(help="Rows to print (JSON has all).")] = 50,
    json_: JsonOpt = False,
) -> None:
    """Volume per topic over time: articles carrying each topic or frame per group, and
    their share of the group's articles (run `enrich` first)."""
    from newswatch.query.topics import volumes

    if by not in ("outlet", "day", "week", "month"):
        raise ConfigError(f"--by {by!r}: expected day, week, month or outlet")
    rows = volumes(state.store(), by, _filters(since, until, outlet, lang), topic)  # type: ignore[arg-type]
    if json_:
        _print_json(rows)
        return
    if not rows:
        console.print("no articles processed by the topics stage yet (`newswatch enrich`)")
        return
    table = Table(by, "articles", "topics: articles carrying it (share of the group)",
                  title="topics and frames", title_justify="left")  # fmt: skip
    for r in rows[:limit]:
        carried = ", ".join(f"{escape(name)} {v['articles']} ({v['share']:.0%})"
                            for name, v in r["topics"].items())  # fmt: skip
        table.add_row(escape(r["group"]), str(r["articles"]), carried or "[dim]none[/dim]")
    console.print(table)
    if len(rows) > limit:
        console.print(f"[dim]{len(rows) - limit} more rows: raise --limit or use --json[/dim]")


@app.command()
def tone(
    target: Annotated[str, typer.Argument(help="A watched topic (CPEC) or an entity name.")],
    by: Annotated[
        str, typer.Option(help="Group by article, outlet, day, week (ISO) or month.")
    ] = "week",
    chart: Annotated[
        Path | None, typer.Option(help="Also write a chart here (.png or .svg).")
    ] = None,
    mentions: Annotated[
        bool, typer.Option("--mentions", help="List every mention with its sentence.")
    ] = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    lang: LangOpt = None,
    limit: Annotated[int, typer.Option(help="Rows to print (JSON has all).")] = 50,
    json_: JsonOpt = False,
) -> None:
    """Tone toward TARGET: negative/neutral/positive mentions and net tone (−1…+1) per
    group, with the strongest evidence sentences (run `enrich` first)."""
    from newswatch.query import tone as query

    if by not in ("article", "outlet", "day", "week", "month"):
        raise ConfigError(f"--by {by!r}: expected article, outlet, day, week or month")
    store, filters = state.store(), _filters(since, until, outlet, lang)
    try:
        found = query.find_target(store, target)
    except LookupError:
        raise ConfigError(
            f"{target!r} is neither a watched topic nor an entity in the store "
            "(see `newswatch entities` and the watchlist)"
        ) from None
    if mentions:
        rows = query.tone_mentions(store, found, filters)
        if json_:
            _print_json(rows)
            return
        table = Table("article", "published", "outlet", "tone", "score", "sentence")
        for m in rows[:limit]:
            table.add_row(str(m["article_id"]), m["published"] or "?", escape(m["outlet"] or "?"),
                          m["tone"], f"{m['score']:+.2f}",
                          _highlight(m["sentence"], m["mention"]))  # fmt: skip
        console.print(table if rows else f"no tone readings for {found.name}")
        return
    result = query.tone_by(store, found, by, filters)  # type: ignore[arg-type]
    if chart:
        query.write_chart(result, chart)
        err_console.print(f"chart written to {chart}")
    if json_:
        _print_json(result)
        return
    if not result["groups"]:
        console.print(f"no tone readings for {result['target']} (has `newswatch enrich` run?)")
        return
    table = Table(by, "mentions", "articles", "neg", "neu", "pos", "net tone", "evidence",
                  title=f"tone toward {result['target']}", title_justify="left",
                  show_lines=True)  # fmt: skip
    for g in result["groups"][:limit]:
        evidence = "\n".join(f"{e['score']:+.2f} {_highlight(e['sentence'], e['mention'])}"
                             for e in g["evidence"])  # fmt: skip
        table.add_row(escape(g["group"]), str(g["mentions"]), str(g["articles"]),
                      str(g["negative"]), str(g["neutral"]), str(g["positive"]),
                      f"{g['net_tone']:+.2f}", evidence)  # fmt: skip
    console.print(table)


def _highlight(sentence: str, mention: str) -> str:
    """The sentence with the mention in bold (escaped for rich)."""
    at = sentence.find(mention)
    if at < 0:
        return escape(sentence)
    end = at + len(mention)
    return f"{escape(sentence[:at])}[bold]{escape(mention)}[/bold]{escape(sentence[end:])}"


@app.command()
def claims(
    about: Annotated[
        str | None, typer.Option(help="Only claims about this watched topic or entity.")
    ] = None,
    min_score: Annotated[float, typer.Option(help="Minimum check-worthiness (0-1).")] = 0.0,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    lang: LangOpt = None,
    limit: Annotated[int, typer.Option(help="Claims to list.")] = 30,
    json_: JsonOpt = False,
) -> None:
    """Check-worthy claims, most check-worthy first, with the entities, numbers and
    time expressions a fact-checker starts from (run `enrich` first)."""
    from newswatch.query.claims import claims as find

    try:
        rows = find(state.store(), about, _filters(since, until, outlet, lang), min_score, limit)
    except LookupError:
        raise ConfigError(
            f"{about!r} is neither a watched topic nor an entity in the store"
        ) from None
    if json_:
        _print_json(rows)
        return
    if not rows:
        console.print("no check-worthy claims found (has `newswatch enrich` run?)")
        return
    table = Table("score", "article", "published", "claim", "about", "numbers · times",
                  show_lines=True)  # fmt: skip
    for r in rows:
        facts = [n["text"] for n in r["numbers"]] + [
            f"{t['text']} ({t['value']})" if t["value"] else t["text"] for t in r["times"]
        ]
        table.add_row(f"{r['score']:.2f}", str(r["article_id"]), r["published"] or "?",
                      escape(r["sentence"]), escape(", ".join(r["about"])),
                      escape("; ".join(facts)))  # fmt: skip
    console.print(table)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="jsonl, csv or parquet.")] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File (default: stdout).")
    ] = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    outlet: OutletOpt = None,
    lang: LangOpt = None,
) -> None:
    """Export every matching article (no caps)."""
    from newswatch.query.export import export as run_export

    count = run_export(
        state.store(), fmt, output or sys.stdout, _filters(since, until, outlet, lang)
    )
    if output:
        err_console.print(f"wrote {count} articles to {output}")


@app.command()
def quarantine(
    raw: Annotated[
        int | None, typer.Option(help="Write the raw bytes of this entry to stdout.")
    ] = None,
    json_: JsonOpt = False,
) -> None:
    """What was rejected (or repaired) at ingest, why, and when; raw inputs are kept."""
    store = state.store()
    if raw is not None:
        sys.stdout.buffer.write(store.quarantined_raw(raw))
        return
    entries = store.quarantined()
    if json_:
        print(json.dumps([e.__dict__ for e in entries], ensure_ascii=False))
        return
    if not entries:
        console.print("quarantine is empty")
        return
    table = Table("id", "action", "source", "reason", "raw bytes kept", "at")
    for e in entries:
        kept = f"{e.raw_stored}/{e.raw_size}"
        table.add_row(str(e.id), e.action, escape(e.source), escape(e.reason), kept, e.at)
    console.print(table)


# ── demo and bench ──────────────────────────────────────────────────────────────


@app.command()
def demo(
    path: Annotated[Path, typer.Option(help="Sample folder to ingest.")] = EXAMPLES,
) -> None:
    """Ingest the bundled CPEC sample, enrich it, and print a briefing."""
    from newswatch.enrich.runner import enrich as run_enrich
    from newswatch.ingest.core import ingest as run_ingest
    from newswatch.query.briefing import briefing

    store = state.store()
    with _progress() as progress:
        task = progress.add_task("ingest", total=None, current="")
        result = run_ingest(
            store, [str(path)], state.settings,
            progress=lambda d, t, loc: progress.update(task, completed=d, total=t, current=Path(loc).name),
        )  # fmt: skip
        etask = progress.add_task("enrich", total=None, current="all stages")
        run_enrich(store, ids=result.article_ids, batch_size=state.settings.enrich_batch,
                   progress=lambda d, t: progress.update(etask, completed=d, total=t))  # fmt: skip
    ids = sorted(set(result.article_ids))
    brief = briefing(store, ArticleFilter(ids=tuple(ids)))
    _print_briefing(brief, path)


def _print_briefing(brief: Any, path: Path) -> None:
    s = brief.stats
    console.rule(f"[bold]newswatch briefing[/bold] — {escape(str(path))}")
    console.print(
        f"{s['articles']} articles ({s['articles_deduplicated']} after removing syndicated copies), "
        f"{s['words']:,} words, published {s['earliest'] or '?'} … {s['latest'] or '?'}; "
        f"languages: {', '.join(f'{k} {v}' for k, v in s['languages'].items())}"
    )
    table = Table(
        "id", "published", "outlet", "place", "title", title="articles", title_justify="left"
    )
    for a in brief.articles:
        table.add_row(str(a["id"]), a["published"] or "unknown", escape(a["outlet"] or "unknown"),
                      escape(a["place"] or "unknown"), escape(a["title"] or ""))  # fmt: skip
    console.print(table)
    outlets = ", ".join(f"{escape(k)} ({v})" for k, v in s["outlets"].items())
    places = ", ".join(f"{escape(k)} ({v})" for k, v in brief.places) or "none found"
    console.print(f"[bold]outlets[/bold]: {outlets}")
    console.print(f"[bold]datelines[/bold]: {places}")
    for a in brief.articles:
        if a["genre"] or a["authors"]:
            console.print(f"[bold]article {a['id']}[/bold]: genre {a['genre'] or '?'}"
                          + (f", by {escape(', '.join(a['authors']))}" if a["authors"] else ""))  # fmt: skip
    entities = Table("entity", "type", "mentions", "articles", "roles",
                     title="most frequent entities", title_justify="left")  # fmt: skip
    for e in brief.entities:
        entities.add_row(escape(e["name"]), e["type"], str(e["mentions"]), str(e["articles"]),
                         escape(_roles_text(e["roles"])))  # fmt: skip
    console.print(entities)
    if brief.quotes:
        console.print(_quote_table(brief.quotes, "who said what"))
    if brief.events:
        console.print(_event_table(brief.events, "event timeline"))
    if brief.techniques:
        console.print(_technique_briefing(brief.techniques))
    if any(t["topics"] for t in brief.topics):
        console.print(_topic_briefing(brief.topics))
    for result in brief.tone:
        console.print(_tone_briefing(result))
    if brief.claims:
        console.print(_claim_briefing(brief.claims))
    console.print(
        f"[dim]store: {escape(state.store().url)} — try `newswatch search CPEC`, "
        "`newswatch show 1 --techniques`, `newswatch entity 'Xi Jinping'`, `newswatch events`, "
        "`newswatch techniques --by outlet`, `newswatch tone CPEC --by outlet`, "
        "`newswatch claims --about CPEC`[/dim]"
    )


def _technique_briefing(rows: list[dict[str, Any]]) -> Table:
    table = Table("id", "per 1k words", "techniques (spans)", "most confident spans",
                  title="persuasion techniques", title_justify="left", show_lines=True)  # fmt: skip
    for r in rows:
        found = sorted(r["techniques"].items(), key=lambda kv: -kv[1]["count"])
        examples = "\n".join(f"[{TECHNIQUE_TAGS[e['technique']][0]}] {escape(e['text'][:70])}"
                             for e in r["examples"])  # fmt: skip
        table.add_row(str(r["article_id"]), str(r["per_1000_words"]),
                      escape(", ".join(f"{t} ({v['count']})" for t, v in found)) or "none found",
                      examples)  # fmt: skip
    return table


def _topic_briefing(rows: list[dict[str, Any]]) -> Table:
    table = Table("id", "focus areas (share of sentences)", "frames", title="topics and frames",
                  title_justify="left")  # fmt: skip
    for r in rows:
        cells = [", ".join(f"{escape(t['topic'])} {t['share']:.0%}" for t in r["topics"]
                           if t["kind"] == kind) or "none" for kind in ("focus area", "frame")]  # fmt: skip
        table.add_row(str(r["article_id"]), *cells)
    return table


def _tone_briefing(result: dict[str, Any]) -> Table:
    table = Table("id", "neg", "neu", "pos", "net tone", "strongest evidence",
                  title=f"tone toward {result['target']}", title_justify="left",
                  show_lines=True)  # fmt: skip
    for g in result["groups"]:
        ranked = sorted(g["evidence"], key=lambda e: e["score"])
        evidence = ranked[:1] + ranked[-1:] if len(ranked) > 1 else ranked  # both ends
        table.add_row(g["group"], str(g["negative"]), str(g["neutral"]), str(g["positive"]),
                      f"{g['net_tone']:+.2f}",
                      "\n".join(f"{e['score']:+.2f} {_highlight(e['sentence'], e['mention'])}"
                                for e in evidence))  # fmt: skip
    return table


def _claim_briefing(rows: list[dict[str, Any]]) -> Table:
    table = Table("id", "score", "most check-worthy claims", "about",
                  title="claims to check", title_justify="left")  # fmt: skip
    for r in rows:
        table.add_row(str(r["article_id"]), f"{r['score']:.2f}", escape(r["sentence"]),
                      escape(", ".join(r["about"])))  # fmt: skip
    return table


bench_app = typer.Typer(help="Benchmarks: throughput, latency and peak memory.")
app.add_typer(bench_app, name="bench")


BenchDataOpt = Annotated[
    Path | None, typer.Option("--data", help="Shared data folder (default ../shared/data).")
]
BackendOpt = Annotated[str, typer.Option("--backend", help="Store backend: sqlite or postgresql.")]
PostgresqlOpt = Annotated[
    str | None,
    typer.Option("--postgresql", help="A database URL on the PostgreSQL server to use; "
                 "benchmark databases are created beside it and dropped."),
]  # fmt: skip


@bench_app.command("ingest")
def bench_ingest(
    data: BenchDataOpt = None,
    backend: BackendOpt = "sqlite",
    postgresql: PostgresqlOpt = None,
    output: Annotated[Path, typer.Option(help="Where to write the JSON results.")] = Path(
        "bench-results/ingest.json"
    ),
) -> None:
    """Ingest Reuters-21578 and PolNeAR into fresh stores, then time 50 searches."""
    from newswatch.bench import bench_ingest as run_bench
    from newswatch.bench import default_data_dir

    with console.status("benchmarking ingest and search (about a minute)…"):
        report = run_bench(data or default_data_dir(), output, backend, postgresql)
    _print_bench(report, output)


@bench_app.command("enrich")
def bench_enrich(
    stage: Annotated[
        list[str] | None, typer.Option("--stage", help="Time only this stage (repeatable).")
    ] = None,
    data: BenchDataOpt = None,
    backend: BackendOpt = "sqlite",
    postgresql: PostgresqlOpt = None,
    output: Annotated[Path, typer.Option(help="Where to write the JSON results.")] = Path(
        "bench-results/enrich.json"
    ),
) -> None:
    """Enrich the PolNeAR train folder (840 articles): articles/s and peak memory."""
    from newswatch.bench import bench_enrich as run_bench
    from newswatch.bench import default_data_dir

    with console.status("benchmarking enrichment on PolNeAR train (a few minutes)…"):
        report = run_bench(data or default_data_dir(), stage, output, backend, postgresql)
    _print_bench(report, output)


@bench_app.command("suite")
def bench_suite(
    backend: Annotated[
        list[str] | None,
        typer.Option(
            "--backend",
            help="sqlite and/or postgresql (repeatable; default both when --postgresql is given).",
        ),
    ] = None,
    postgresql: PostgresqlOpt = None,
    enrich_articles: Annotated[
        int, typer.Option(help="PolNeAR articles enriched per enrichment case.")
    ] = 200,
    data: BenchDataOpt = None,
    output: Annotated[Path, typer.Option(help="Where to write the JSON results.")] = Path(
        "bench-results/suite.json"
    ),
) -> None:
    """Every benchmark on each backend: ingest, search, export, enrichment by stage and
    end to end (one process; Dask with 1 and 2 workers), cost against store size."""
    from newswatch.bench import bench_suite as run_bench
    from newswatch.bench import default_data_dir

    backends = backend or (["sqlite", "postgresql"] if postgresql else ["sqlite"])
    report = run_bench(data or default_data_dir(), backends, postgresql, enrich_articles,
                       output, log=err_console.print)  # fmt: skip
    _print_bench(report, output)


def _print_bench(report: dict[str, Any], output: Path) -> None:
    table = Table("case", "articles", "seconds", "articles/s", "words/s", "median ms", "p95 ms",
                  "peak RSS MB", "worker peak MB", title=f"newswatch {report['newswatch']} on "
                  f"{report['machine']['cpus']} CPUs, {report['machine']['memory_gb']} GB",
                  title_justify="left")  # fmt: skip
    for r in report["results"]:
        case = f"{r['case']} [{r['backend']}]" if "backend" in r else r["case"]
        table.add_row(case, str(r["articles"]), str(r.get("seconds", "")),
                      str(r.get("articles_per_s", "")), str(r.get("words_per_s", "")),
                      str(r.get("median_ms", "")), str(r.get("p95_ms", "")), str(r["peak_rss_mb"]),
                      str(r.get("worker_peak_rss_mb") or ""))  # fmt: skip
    console.print(table)
    console.print(f"[dim]written to {output}[/dim]")


eval_app = typer.Typer(help="Measure quality on a labelled corpus; prints metrics as JSON.")
app.add_typer(eval_app, name="eval")
DataOpt = Annotated[Path, typer.Option("--data", help="Input folder.", exists=True)]
PredictionsOpt = Annotated[Path, typer.Option("--predictions-out", help="Output folder.")]


@eval_app.command("timex")
def eval_timex(data: DataOpt, predictions_out: PredictionsOpt) -> None:
    """TimeML files in DATA (*.tml, *.tml.TE3input) → OUT/*.tml with predicted TIMEX3;
    TempEval-3 strict/relaxed extent F1 and value F1 where gold tags are present."""
    from newswatch.evaluation.timex import evaluate_timex

    _print_metrics(evaluate_timex(data, predictions_out), predictions_out)


@eval_app.command("quotes")
def eval_quotes(data: DataOpt, predictions_out: PredictionsOpt) -> None:
    """PolNeAR layout in DATA (text/*.txt, attributions/*.ann) → OUT/<stem>.ann (brat);
    content token F1 and speaker accuracy where gold attributions are present."""
    from newswatch.evaluation.quotes import evaluate_quotes

    _print_metrics(evaluate_quotes(data, predictions_out), predictions_out)


@eval_app.command("ptc")
def eval_ptc(
    data: DataOpt,
    predictions_out: PredictionsOpt,
    tc_template: Annotated[
        Path | None,
        typer.Option(
            help="TC template (<ID>\\t?\\t<start>\\t<end>): writes OUT/tc.txt.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """PTC layout in DATA (articles/article<ID>.txt) → OUT/si.txt (and OUT/tc.txt with a
    template); SI partial-overlap P/R/F1 and TC micro-F1 where labels are present."""
    from newswatch.evaluation.ptc import evaluate_ptc

    with console.status("finding persuasion techniques…"):
        metrics = evaluate_ptc(data, predictions_out, tc_template)
    _print_metrics(metrics, predictions_out)


FileOpt = Annotated[Path, typer.Option("--data", help="Input file.", exists=True, dir_okay=False)]
PredictionsFileOpt = Annotated[Path, typer.Option("--predictions-out", help="Output file.")]


@eval_app.command("tone")
def eval_tone(data: FileOpt, predictions_out: PredictionsFileOpt) -> None:
    """NewsMTSC JSONL in DATA → OUT with each target's polarity predicted (2/4/6);
    macro-F1 over negative/neutral/positive and accuracy where polarities are present."""
    from newswatch.evaluation.tone import evaluate_tone

    with console.status("reading tone toward targets…"):
        metrics = evaluate_tone(data, predictions_out)
    _print_metrics(metrics, predictions_out)


@eval_app.command("claims")
def eval_claims(data: FileOpt, predictions_out: PredictionsFileOpt) -> None:
    """CheckThat! TSV in DATA (Sentence_id, Text[, class_label]) → OUT with the predicted
    class_label; F1 of the Yes class where labels are present."""
    from newswatch.evaluation.claims import evaluate_claims

    with console.status("scoring check-worthiness…"):
        metrics = evaluate_claims(data, predictions_out)
    _print_metrics(metrics, predictions_out)


@eval_app.command("topics")
def eval_topics(
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="Labelled sample (JSONL of references).", exists=True, dir_okay=False
        ),
    ] = EXAMPLES.parent / "topics" / "sample.jsonl",
    predictions_out: Annotated[
        Path | None, typer.Option("--predictions-out", help="Output folder.")
    ] = None,
    corpora: Annotated[
        Path | None, typer.Option(help="Folder the references point into (default ../shared/data).")
    ] = None,
    split: Annotated[str, typer.Option(help="report (held out), tune, or all.")] = "report",
    taxonomy: Annotated[
        Path | None, typer.Option(help="Taxonomy YAML (default: the configured one).")
    ] = None,
) -> None:
    """Sentence topic labels against a hand-labelled sample: per-label P/R/F1, micro and
    macro F1, and a keyword baseline; OUT/topics.jsonl holds every prediction."""
    from newswatch.bench import default_data_dir
    from newswatch.evaluation.topics import evaluate_topics

    with console.status("scoring topics…"):
        metrics = evaluate_topics(data, corpora or default_data_dir(), predictions_out, split,
                                  taxonomy)  # fmt: skip
    if predictions_out:
        err_console.print(f"predictions written to {predictions_out}")
    print(json.dumps(metrics, ensure_ascii=False))


def _print_metrics(metrics: dict[str, Any] | None, out: Path) -> None:
    err_console.print(f"predictions written to {out}")
    if metrics is None:
        err_console.print("no gold annotations in the input: nothing to score")
        return
    print(json.dumps(metrics))


ModelDirOpt = Annotated[Path | None, typer.Option(help="Model folder (default: the shipped one).")]
train_app = typer.Typer(help="Rebuild a shipped model from the shared data.")
app.add_typer(train_app, name="train")


@train_app.command("quotes")
def train_quotes(
    data: Annotated[
        list[Path] | None,
        typer.Option("--data", help="PolNeAR-layout folder (repeatable; default: train)."),
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Model file (default: the shipped one).")] = None,
) -> None:
    """Train the attribution model of the `quotes` stage on PolNeAR."""
    from newswatch.bench import default_data_dir
    from newswatch.enrich import quotes as stage

    folders = data or [default_data_dir() / "polnear" / "train"]
    with console.status(f"training on {', '.join(map(str, folders))}…"):
        stage.train_quotes(folders, out or stage.MODEL_FILE)
    console.print(f"model written to {out or stage.MODEL_FILE}")


@train_app.command("techniques")
def train_techniques(
    data: Annotated[
        Path | None, typer.Option("--data", help="PTC-layout folder (default: ptc-train).")
    ] = None,
    folds: Annotated[
        int, typer.Option(help="Cross-validation folds by article (0: skip, keep threshold).")
    ] = 3,
    members: Annotated[
        int, typer.Option(help="Networks in the ensemble (seeds 0, 1, …), trained side by side.")
    ] = 1,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = 4,
    report: Annotated[Path, typer.Option(help="Where to write the cross-validation JSON.")] = Path(
        "bench-results/techniques-cv.json"
    ),
    out: ModelDirOpt = None,
) -> None:
    """Train the persuasion-technique model on PTC: cross-validate by article (scores per
    technique, the tagger threshold), then train on every article and save the model."""
    from newswatch.bench import default_data_dir
    from newswatch.enrich import technique_model
    from newswatch.evaluation.ptc import train_techniques as run_training

    folder = data or default_data_dir() / "ptc-train"
    target = out or technique_model.MODEL_DIR
    result = run_training(folder, target, folds=folds, members=members, epochs=epochs,
                          report=report, log=err_console.print)  # fmt: skip
    if result:
        per_item = ("tc_per_technique", "si_by_decoding")  # in the report file
        print(json.dumps({k: v for k, v in result.items() if k not in per_item}))
        err_console.print(f"cross-validation written to {report}")
    console.print(f"model written to {target}")


@train_app.command("tone")
def train_tone(
    data: Annotated[
        Path | None, typer.Option("--data", help="NewsMTSC JSONL (default: newsmtsc/train).")
    ] = None,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = 3,
    out: ModelDirOpt = None,
) -> None:
    """Train the tone-toward-target model of the `tone` stage on NewsMTSC."""
    from newswatch.bench import default_data_dir
    from newswatch.enrich.tone_model import MODEL_DIR
    from newswatch.evaluation.tone import train_tone as run_training

    target = out or MODEL_DIR
    run_training(data or default_data_dir() / "newsmtsc" / "train.jsonl", target, epochs=epochs,
                 log=err_console.print)  # fmt: skip
    console.print(f"model written to {target}")


@train_app.command("claims")
def train_claims(
    data: Annotated[
        Path | None, typer.Option("--data", help="CheckThat! TSV (default: checkthat2024/train).")
    ] = None,
    dev: Annotated[
        Path | None,
        typer.Option(help="TSV that picks the threshold (default: checkthat2024/dev)."),
    ] = None,
    epochs: Annotated[int, typer.Option(help="Training epochs.")] = 2,
    out: ModelDirOpt = None,
) -> None:
    """Train the check-worthiness model of the `claims` stage on CheckThat! 2024."""
    from newswatch.bench import default_data_dir
    from newswatch.enrich.claim_model import MODEL_DIR
    from newswatch.evaluation.claims import train_claims as run_training

    folder = default_data_dir() / "checkthat2024"
    target = out or MODEL_DIR
    result = run_training(data or folder / "train.tsv", dev or folder / "dev.tsv", target,
                          epochs=epochs, log=err_console.print)  # fmt: skip
    print(json.dumps(result))
    console.print(f"model written to {target}")


def _interrupted() -> None:
    err_console.print(
        "[yellow]interrupted[/yellow]: every finished batch is stored; run the same "
        "command again to resume"
    )
    sys.exit(130)


def _raised_while_interrupting(err: BaseException) -> bool:
    """An error raised while Ctrl-C unwound a command, e.g. the database driver failing
    to roll back the query the interrupt cut short: the command was interrupted."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _not_about_an_interrupt(record: logging.LogRecord) -> bool:
    """SQLAlchemy logs the connection it cannot roll back after Ctrl-C cut a query
    short, with a traceback; the command says "interrupted" instead."""
    error = record.exc_info[1] if record.exc_info else None
    return error is None or not _raised_while_interrupting(error)


def run() -> None:
    """Entry point: run the app, turning domain errors into one-line messages."""
    import click

    warnings = logging.StreamHandler()  # stderr, as for any unconfigured logger
    warnings.setLevel(logging.WARNING)
    warnings.addFilter(_not_about_an_interrupt)
    sqlalchemy_log = logging.getLogger("sqlalchemy")
    sqlalchemy_log.addHandler(warnings)
    sqlalchemy_log.propagate = False

    try:
        code = app(standalone_mode=False)
    except NewswatchError as err:
        if state.debug:
            raise
        err_console.print(f"[red]error:[/red] {escape(str(err))}")
        sys.exit(2)
    except (KeyboardInterrupt, click.exceptions.Abort):
        _interrupted()
    except click.ClickException as err:  # usage errors: bad option, missing argument
        err.show()
        sys.exit(err.exit_code)
    except Exception as err:
        if _raised_while_interrupting(err):
            _interrupted()
        raise
    if code == 130:  # Typer turns Ctrl-C inside a command into exit code 130
        _interrupted()
    if isinstance(code, int) and code:
        sys.exit(code)
