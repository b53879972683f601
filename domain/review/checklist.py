"""The review checklist (REVIEW-CHECKLIST.md) as versioned data.

Bump CHECKLIST_VERSION whenever a rule, severity or pattern changes: AnalysisStarted records
it, so an old review can be explained with the checklist that produced it.
"""

from __future__ import annotations

from domain.review.rules import RedFlag, Rule

CHECKLIST_VERSION = "2026.11.1"

# Named data vendors and exchanges; a source sentence naming one of these is specific enough.
VENDORS = (
    r"(?-i:Bloomberg|Refinitiv|LSEG|FactSet|Capital IQ|CRSP|Compustat|TAQ|Datastream|"
    r"I/B/E/S|IBES|Morningstar|MSCI|ICE|Tick Data|Quandl|Nasdaq Data Link|Polygon|WRDS|"
    r"Markit|IHS|S&P|RavenPack|FRED|Norgate|Databento|Reuters|Eikon|Barra|Axioma|Xpressfeed|"
    r"Kenneth French|Worldscope|Moody's|Sustainalytics|ISS|OptionMetrics|CME|Eurex|NYSE|Nasdaq|"
    r"LSE|Cboe|CBOE|Euronext|Xetra|JPX|TSE|HKEX|SGX|ASX|TSX|SIX|OPRA|SIP)"
)
EXCHANGES = (
    r"(?-i:NYSE|Nasdaq|NASDAQ|LSE|London Stock Exchange|Xetra|Eurex|Euronext|CME|CBOT|ICE|"
    r"TARGET2?|JPX|TSE|Tokyo Stock Exchange|HKEX|SGX|ASX|TSX|SIX|Cboe|CBOE|SIFMA|US Federal|"
    r"[A-Z]{2,5} (?:exchange|market))"
)
_CALENDAR_DEFINED = (
    EXCHANGES + r"[^.\n]{0,40}\b(?:calendar|trading days?|business days?|holidays?|sessions?)\b",
    r"\b(?:exchange|trading|holiday|settlement|business[- ]day) calendars?\b",
    r"\b(?:business|trading) days?\b[^.\n]{0,20}\b(?:means?|is defined as|refers? to|are days)\b",
    r"\bdays on which " + r"[^.\n]{0,40}\b(?:open|trading)\b",
)
_SCHEDULE = (
    r"\b(?:rebalanc\w*|reconstitut\w*|reset)\b[^.\n]{0,80}\b(?:daily|weekly|monthly|"
    r"quarterly|semi-annually|annually|month[- ]end|quarter[- ]end|year[- ]end|(?:first|"
    r"second|third|fourth|last|final) (?:business |trading )?(?:day|monday|tuesday|wednesday|"
    r"thursday|friday)|on the \d{1,2}(?:st|nd|rd|th))\b"
)

RULES: tuple[Rule, ...] = (
    # ---- Strategy logic -------------------------------------------------------------------
    Rule(
        id="SL-01",
        name="no-hypothesis",
        area="logic",
        scope="research",
        category="ambiguous_methodology",
        severity="critical",
        title="No hypothesis or economic rationale",
        rationale="Without a reason stated before the results, a backtest is storytelling: the "
        "edge cannot be judged or monitored for decay.",
        source="Arnott, Harvey & Markowitz (2019); Luo et al. (2014); SR 11-7 (theory and logic)",
        suggestion="Add a section stating the hypothesis, the inefficiency or risk premium it "
        "exploits, and why it should persist, written before any results.",
        covers=(
            r"\bhypothes[ie]s\b",
            r"\brationale\b",
            r"\beconomic (?:intuition|reason|logic|motivation)\b",
            r"\binefficienc",
            r"\brisk premi(?:um|a)\b",
            r"\banomal(?:y|ies)\b",
            r"\bbehaviou?ral (?:bias|explanation)",
            r"\b(?:source of|our|the) edge\b",
        ),
        red_flags=(
            RedFlag(
                name="results-without-reason",
                pattern=r"\b(?:we|the (?:strategy|backtest)) (?:found|finds|shows?|showed) that\b",
                title="Results are reported without a reason why they should hold",
                detail="'{match}' reports what the data showed, but the document never says "
                "why the effect should exist; that is how data-mined results read.",
                severity="high",
                unless_covered=True,
                once=True,
            ),
        ),
    ),
    Rule(
        id="SL-02",
        name="no-purpose",
        area="logic",
        scope="core",
        category="ambiguous_methodology",
        severity="high",
        title="Purpose and intended use are not stated",
        rationale="A reviewer cannot judge fitness for use without knowing what the model is "
        "for, which assets and region it covers, and what it is not meant to do.",
        source="SR 11-7 (purpose and intended use); FINRA 15-09 (strategy summary)",
        suggestion="Open with the purpose, intended use, asset class, region and scope.",
        covers=(
            r"\bpurpose\b",
            r"\bobjective\b",
            r"\bintended use\b",
            r"\bscope\b",
            r"\baims? to\b",
            r"\bdesigned to\b",
            r"\bprovides? exposure\b",
            r"\bseeks? to\b",
            r"\bgoal\b",
        ),
    ),
    Rule(
        id="SL-03",
        name="no-universe",
        area="logic",
        scope="core",
        category="undefined_parameter",
        severity="critical",
        title="Investment universe is not defined",
        rationale="Which instruments can be held decides every result; an undefined universe "
        "cannot be reproduced and invites survivorship bias.",
        source="SR 11-7 (data relevance); Luo et al. (2014)",
        suggestion="List the universe: source index or exchange, inclusion and exclusion "
        "filters, market-cap and liquidity (ADV) minimums, and when it is refreshed.",
        covers=(
            r"\buniverse\b",
            r"\bconstituents?\b",
            r"\beligib\w+",
            r"\binclusion\b",
            r"\bmarket cap(?:itali[sz]ation)?\b",
            r"\baverage daily (?:trading )?(?:volume|value)\b",
            r"\blisted on\b",
        ),
        red_flags=(
            RedFlag(
                name="eligible-securities-undefined",
                pattern=r"\beligible (?:securities|stocks|instruments|assets)\b",
                title="'Eligible securities' are never defined",
                detail="The document relies on '{match}' but never says what makes a security "
                "eligible, so the universe cannot be rebuilt.",
                unless_document=r"\beligib\w+ (?:securities|stocks|instruments|assets)?\s*"
                r"(?:are|is|means|consists?|must)\b|\beligibility (?:criteria|rules)\b",
                once=True,
            ),
        ),
    ),
    Rule(
        id="SL-04",
        name="no-signal-definition",
        area="logic",
        scope="core",
        category="incomplete_formula",
        severity="critical",
        title="The signal is described in prose, not defined",
        rationale="Two developers reading prose such as 'strong momentum' will build two "
        "different strategies.",
        source="SR 11-7 (documentation sufficient for an unfamiliar reader); FINRA 15-09",
        suggestion="Define the signal by a formula or an exact rule: inputs, lookback, "
        "normalisation and how ties and missing values are handled.",
        covers=(
            r"\bsignal\b[^.\n]{0,80}(?:=|defined as|computed as|calculated as)",
            r"\bscore\b[^.\n]{0,60}(?:=|computed|calculated)",
            r"\branked? (?:by|on)\b",
            r"\bscored (?:on|by|based on|using)\b",
            r"\bcomposite score\b",
            r"\bz-?score\b",
            r"\bselected (?:by|if|when)\b",
        ),
        ir_check="formulas",
        red_flags=(
            RedFlag(
                name="prose-signal",
                pattern=r"\b(?:strong|weak|robust|persistent|clear) (?:momentum|trend|signal|"
                r"reversal|mean[- ]reversion)\b",
                title="Signal strength is described, not measured",
                detail="'{match}' is a judgement, not a rule: the document gives no number "
                "that separates a strong signal from a weak one.",
                severity="high",
                unless_sentence=r"\d",
            ),
        ),
    ),
    Rule(
        id="SL-05",
        name="undefined-symbol",
        area="logic",
        scope="core",
        category="incomplete_formula",
        severity="high",
        title="Formula symbols are not all defined",
        rationale="A formula with an undefined symbol cannot be implemented; units, lookback "
        "and default values matter as much as the algebra.",
        source="SR 11-7 (documentation); REVIEW-CHECKLIST SL-05",
        suggestion="Follow each formula with a 'where' list defining every symbol with its "
        "unit, lookback and default.",
        ir_check="formulas",
    ),
    Rule(
        id="SL-06",
        name="no-entry-rule",
        area="logic",
        scope="research",
        category="ambiguous_methodology",
        severity="critical",
        title="No entry rule with a threshold",
        rationale="When a position is opened must be a number, or the strategy is not "
        "reproducible.",
        source="FINRA 15-09 (strategy description); SR 11-7",
        suggestion="State the entry condition with its threshold, e.g. 'enter long when the "
        "z-score falls below -2.0 at the close of day t'.",
        covers=(
            r"\bentry\b",
            r"\benter(?:s|ed)? (?:a |the )?(?:long|short|position|trade)",
            r"\b(?:buy|sell|short)s? (?:when|if)\b",
            r"\bgo(?:es)? (?:long|short)\b",
            r"\bopens? a position\b",
            r"\b(?:top|bottom) \d+",
            r"\b(?:top|bottom) (?:decile|quintile|quartile|tercile)\b",
        ),
        with_number=True,
        red_flags=(
            RedFlag(
                name="vague-entry",
                pattern=r"\bwhen (?:the )?(?:signal|momentum|score|trend) is "
                r"(?:strong|high|weak|low|favou?rable|attractive|positive enough)\b",
                title="Entry condition has no threshold",
                detail="'{match}' leaves the entry decision to judgement; no value says "
                "when the condition is met.",
                unless_sentence=r"\d",
            ),
        ),
    ),
    Rule(
        id="SL-07",
        name="no-exit-rule",
        area="logic",
        scope="research",
        category="ambiguous_methodology",
        severity="critical",
        title="No exit rule, stop-loss or maximum holding period",
        rationale="Exits drive realised returns and tail risk as much as entries do.",
        source="FINRA 15-09; RTS 6 Art 5 (no unintended behaviour)",
        suggestion="State the exit rule, stop-loss, take-profit and maximum holding period "
        "with numbers.",
        covers=(
            r"\bexit",
            r"\bstop[- ]loss\b",
            r"\btake[- ]profit\b",
            r"\bholding period\b",
            r"\bmaximum hold",
            r"\bclose[sd]? (?:the |a |all )?positions?\b",
            r"\bunwind",
            r"\bremoved? from the (?:portfolio|index)\b",
        ),
        with_number=True,
    ),
    Rule(
        id="SL-08",
        name="no-sizing",
        area="logic",
        scope="core",
        category="undefined_parameter",
        severity="high",
        title="Position sizing is not specified",
        rationale="Sizing, weights and leverage turn a signal into risk; without them the "
        "P&L cannot be reproduced.",
        source="FINRA 15-09; RTS 6 Art 8 (limits)",
        suggestion="Give the weighting scheme, volatility target, leverage and per-position "
        "caps with numbers.",
        covers=(
            r"\bposition siz",
            r"\bweight(?:s|ing|ed)?\b",
            r"\bvolatility target",
            r"\bleverage\b",
            r"\bnotional\b",
            r"\ballocat",
            r"\brisk parity\b",
            r"\bkelly\b",
        ),
    ),
    Rule(
        id="SL-09",
        name="no-assumptions",
        area="logic",
        scope="core",
        category="ambiguous_methodology",
        severity="high",
        title="Assumptions and limitations are not stated",
        rationale="Users of a model must know where it stops working; undocumented "
        "assumptions become silent failures.",
        source="SR 11-7 (assumptions and limitations)",
        suggestion="Add an 'Assumptions and limitations' section: market conditions, data, "
        "capacity and the situations in which the strategy should not be run.",
        covers=(
            r"\bassumptions?\b",
            r"\blimitations?\b",
            r"\bcaveats?\b",
            r"\bknown (?:issues|weaknesses)\b",
        ),
    ),
    # ---- Data --------------------------------------------------------------------------------
    Rule(
        id="DA-01",
        name="no-data-source",
        area="data",
        scope="core",
        category="data_source_unspecified",
        severity="high",
        title="Data sources are not named",
        rationale="Vendors differ in adjustments, timestamps and coverage; an unnamed source "
        "makes the output irreproducible.",
        source="SR 11-7 (data relevance and quality); RTS 6 Art 5",
        suggestion="Name each vendor and dataset, its fields, frequency and timestamp convention.",
        covers=(VENDORS,),
        red_flags=(
            RedFlag(
                name="generic-data-source",
                pattern=r"\b(?:a|an|one or more) (?:leading|major|reputable|well[- ]known|"
                r"recogni[sz]ed|established|reliable|third[- ]party|external|independent|"
                r"commercial|standard) (?:\w+ ){0,2}(?:vendors?|providers?|sources?|"
                r"suppliers?)\b|\bpublicly available (?:sources?|data|information)\b|"
                r"\b(?:various|multiple|standard|industry) (?:data )?sources\b|"
                r"\b(?:standard|available|relevant) market data\b",
                title="Data source is named only generically",
                detail="'{match}' does not identify a dataset: vendors differ in corporate-"
                "action adjustments, timestamps and coverage, so results will not reproduce.",
                unless_sentence=VENDORS,
            ),
        ),
    ),
    Rule(
        id="DA-02",
        name="no-point-in-time",
        area="data",
        scope="research",
        category="data_source_unspecified",
        severity="high",
        title="Point-in-time data handling is not described",
        rationale="Fundamental and index data are restated; using today's values for past "
        "dates leaks information the strategy could not have had.",
        source="Luo et al. (2014) look-ahead bias; Arnott, Harvey & Markowitz (2019)",
        suggestion="State that point-in-time data are used, the reporting lag applied to each "
        "field, and how restatements are treated.",
        covers=(
            r"\bpoint[- ]in[- ]time\b",
            r"\bas[- ](?:first[- ])?reported\b",
            r"\b(?:reporting|publication|announcement) lags?\b",
            r"\brestatements?\b",
            r"\bvintages?\b",
            r"\bavailable at the time\b",
        ),
    ),
    Rule(
        id="DA-03",
        name="no-survivorship",
        area="data",
        scope="research",
        category="backtest_methodology",
        severity="high",
        title="Survivorship bias is not addressed",
        rationale="Backtesting on today's constituents drops the failures and inflates returns.",
        source="Luo et al. (2014) survivorship bias",
        suggestion="Use historical constituents including delisted names and state how "
        "delisting returns are treated.",
        covers=(
            r"\bsurvivorship\b",
            r"\bdelist(?:ed|ing)s?\b",
            r"\bhistorical constituents?\b",
            r"\bdead (?:stocks|companies|firms)\b",
        ),
        required_if=r"\bback-?test|\bhistorical (?:simulation|performance)\b",
        red_flags=(
            RedFlag(
                name="current-constituents",
                pattern=r"\bcurrent (?:index )?(?:constituents|members|components)\b",
                title="Backtest universe may be today's constituents",
                detail="'{match}' with no survivorship caveat suggests the history was run on "
                "names that survived to today.",
                unless_covered=True,
                unless_document=r"\bpoint[- ]in[- ]time\b",
                once=True,
            ),
        ),
    ),
    Rule(
        id="DA-04",
        name="no-lookahead-control",
        area="data",
        scope="research",
        category="backtest_methodology",
        severity="critical",
        title="Look-ahead prevention is not described",
        rationale="A signal computed with information not yet available at decision time "
        "makes every backtest number meaningless.",
        source="Luo et al. (2014) look-ahead bias; Lopez de Prado (2018)",
        suggestion="State the timing: data known at t-1 (or the close of t), orders at the "
        "next bar, and the lag applied to each input.",
        covers=(
            r"\blook[- ]?ahead\b",
            r"\bt ?- ?1\b",
            r"\bnext (?:bar|open|session|day'?s open|trading day)\b",
            r"\blag(?:ged)? by\b",
            r"\bprior to\b",
            r"\bprevious (?:day|close|session|trading day)\b",
            r"\bdays? prior\b",
            r"\bknown (?:before|at)\b",
        ),
        red_flags=(
            RedFlag(
                name="same-bar-close",
                pattern=r"\b(?:execut\w*|trad\w*|fill\w*|enter\w*|rebalanc\w*)\b[^.\n]{0,60}\b"
                r"(?:at|on) (?:the )?(?:same|that day's|today's|same[- ]day) (?:close|closing "
                r"price|bar)\b|\bsignal[^.\n]{0,60}\bclos\w+[^.\n]{0,40}\b(?:executed|traded|"
                r"filled) at (?:the )?(?:same )?close\b",
                title="Trades at the same close the signal is computed from",
                detail="'{match}' uses a price to decide and to trade at that same price; the "
                "backtest assumes information the strategy cannot have.",
                unless_sentence=r"\b(?:auction|MOC|market[- ]on[- ]close|cut-?off)\b",
            ),
        ),
    ),
    Rule(
        id="DA-05",
        name="no-data-cleaning",
        area="data",
        scope="core",
        category="data_source_unspecified",
        severity="medium",
        title="Adjustments, outliers and missing data are not covered",
        rationale="Splits, dividends, bad ticks and gaps change signals; undocumented cleaning "
        "is a silent model change.",
        source="SR 11-7 (data quality); Luo et al. (2014) outliers",
        suggestion="Describe corporate-action adjustment, outlier treatment and missing-data "
        "rules (forward fill, exclusion) with thresholds.",
        covers=(
            r"\bcorporate actions?\b",
            r"\bsplits?\b",
            r"\bdividend[- ]adjust",
            r"\badjusted (?:prices?|close|returns?)\b",
            r"\boutliers?\b",
            r"\bmissing (?:data|values|prices|observations)\b",
            r"\bwinsori[sz]",
            r"\bforward[- ]fill",
            r"\bstale prices?\b",
        ),
    ),
    # ---- Backtest --------------------------------------------------------------------------
    Rule(
        id="BT-01",
        name="no-backtest-period",
        area="backtest",
        scope="research",
        category="backtest_methodology",
        severity="high",
        title="Backtest period is not stated",
        rationale="Results depend on the sample; a period without dates and a reason cannot "
        "be reproduced or challenged.",
        source="Arnott, Harvey & Markowitz (2019); Bailey & Lopez de Prado (minimum backtest "
        "length)",
        suggestion="Give the exact start and end dates of each sample and why they were chosen.",
        covers=(
            r"\bfrom (?:19|20)\d\d to (?:19|20)\d\d\b",
            r"\b(?:19|20)\d\d\s*(?:-|–|to|through)\s*(?:19|20)\d\d\b",
            r"\b(?:sample|backtest|test) (?:period|window)\b[^.\n]{0,60}\b(?:19|20)\d\d\b",
        ),
    ),
    Rule(
        id="BT-02",
        name="no-out-of-sample",
        area="backtest",
        scope="research",
        category="backtest_methodology",
        severity="critical",
        title="No out-of-sample test",
        rationale="In-sample performance of a tuned strategy is an upper bound, not an estimate.",
        source="Arnott, Harvey & Markowitz (2019); Lopez de Prado (2018)",
        suggestion="Split the data into in-sample and out-of-sample periods, freeze the model "
        "before touching the hold-out, and report both.",
        covers=(
            r"\bout[- ]of[- ]sample\b",
            r"\bhold[- ]?out\b",
            r"\bin[- ]sample\b",
            r"\bvalidation (?:set|period|sample)\b",
            r"\btest set\b",
        ),
    ),
    Rule(
        id="BT-03",
        name="no-walk-forward",
        area="backtest",
        scope="research",
        category="backtest_methodology",
        severity="high",
        title="No walk-forward or purged cross-validation",
        rationale="A single split can be lucky; rolling re-estimation shows whether the edge "
        "survives re-fitting, and purging stops overlapping labels leaking.",
        source="Lopez de Prado (2018) walk-forward, purged k-fold with embargo",
        suggestion="Describe the walk-forward scheme (window length, step, refit frequency) "
        "or purged k-fold with embargo.",
        covers=(
            r"\bwalk[- ]forward\b",
            r"\brolling (?:window|origin|estimation|re-?fit)\b",
            r"\bexpanding window\b",
            r"\bpurg(?:ed|ing)\b",
            r"\bembargo\b",
            r"\bcross[- ]validat",
        ),
    ),
    Rule(
        id="BT-04",
        name="no-trial-count",
        area="backtest",
        scope="research",
        category="backtest_methodology",
        severity="critical",
        title="Optimisation without a trial count",
        rationale="The best of many backtests is biased upwards; without the number of "
        "configurations tried, no one can deflate the reported Sharpe ratio.",
        source="Bailey & Lopez de Prado (2014) Deflated Sharpe Ratio; Arnott, Harvey & "
        "Markowitz (2019)",
        suggestion="Record and report how many configurations were tried, including the "
        "discarded ones, and use that count in a Deflated Sharpe Ratio.",
        red_flags=(
            RedFlag(
                name="optimised-without-trials",
                pattern=r"\b(?:optimi[sz](?:ed|ation)|grid[- ]search\w*|parameter sweeps?|"
                r"(?:were|was) (?:tuned|calibrated) to maximi[sz]e|best[- ]performing "
                r"(?:parameters?|configuration|combination))\b",
                title="Parameters were optimised but the number of trials is not given",
                detail="'{match}' means many configurations were compared; without the trial "
                "count the reported performance cannot be corrected for selection bias.",
                unless_document=r"\b\d[\d,]* (?:configurations|combinations|trials|variants|"
                r"parameter sets|specifications|backtests) (?:were |was )?(?:tested|tried|"
                r"evaluated|run|examined)\b|\bnumber of (?:trials|configurations)\b",
                unless_sentence=r"\b(?:optimi[sz]ed|optimi[sz]ation) (?:of )?(?:portfolio "
                r"weights|the portfolio)\b|\bmean[- ]variance\b|\bportfolio optimi",
                once=True,
            ),
        ),
    ),
    Rule(
        id="BT-05",
        name="no-multiple-testing-control",
        area="backtest",
        scope="research",
        category="backtest_methodology",
        severity="high",
        title="No multiple-testing control",
        rationale="With enough trials a t-statistic of 2 is expected by chance; new factors "
        "need t > 3 or an explicit correction.",
        source="Harvey, Liu & Zhu (2016); Bailey & Lopez de Prado (PBO, Deflated Sharpe)",
        suggestion="Report a Deflated Sharpe Ratio or Probability of Backtest Overfitting, or "
        "apply Holm/Bonferroni/FDR to the trials.",
        covers=(
            r"\bdeflated sharpe\b",
            r"\bprobability of backtest overfitting\b",
            r"\b(?-i:PBO)\b",
            r"\bbonferroni\b",
            r"\bholm\b",
            r"\bfalse discovery\b",
            r"\bmultiple[- ](?:testing|comparisons?|hypothes)",
            r"\bdata[- ]snooping\b",
            r"\breality check\b",
        ),
        required_if=r"\bback-?test",
    ),
    Rule(
        id="BT-06",
        name="no-performance-statistics",
        area="backtest",
        scope="research",
        category="backtest_methodology",
        severity="high",
        title="No risk-adjusted performance with uncertainty",
        rationale="Returns alone hide risk; Sharpe, drawdown and turnover against a "
        "benchmark, with error bars, are the minimum for a decision.",
        source="Bailey & Lopez de Prado (2014); SR 11-7 (outcomes analysis)",
        suggestion="Report Sharpe, maximum drawdown and turnover against a named benchmark, "
        "with confidence intervals.",
        covers=(
            r"\bsharpe\b",
            r"\bmax(?:imum)? drawdown\b",
            r"\binformation ratio\b",
            r"\bsortino\b",
        ),
        red_flags=(
            RedFlag(
                name="implausible-sharpe",
                pattern=r"\bsharpe(?: ratio)?\b[^.\n\d]{0,25}\d+(?:\.\d+)?",
                title="Sharpe ratio above 3 reported without error bars",
                detail="'{match}' is implausibly high for a systematic strategy and comes "
                "with no confidence interval; it usually signals overfitting or missing costs.",
                unless_document=r"\bconfidence interval|\bstandard error|\bt-stat|\bbootstrap|"
                r"±|\+/-|\bdeflated sharpe\b",
                min_value=3.0,
            ),
        ),
    ),
    Rule(
        id="BT-07",
        name="no-sensitivity",
        area="backtest",
        scope="research",
        category="backtest_methodology",
        severity="high",
        title="No parameter sensitivity analysis",
        rationale="A result that vanishes when a lookback moves from 60 to 55 days is a "
        "fitted artefact, not an edge.",
        source="SR 11-7 (testing and sensitivity); Arnott, Harvey & Markowitz (2019)",
        suggestion="Show performance across neighbouring parameter values for each key parameter.",
        covers=(
            r"\bsensitivit(?:y|ies)\b",
            r"\brobustness\b",
            r"\bparameter (?:perturbation|stability)\b",
            r"\bneighbou?ring (?:parameter|value)s?\b",
        ),
    ),
    Rule(
        id="BT-08",
        name="no-stress-periods",
        area="backtest",
        scope="research",
        category="backtest_methodology",
        severity="high",
        title="No stress periods or regime analysis",
        rationale="Strategies fail in crises; RTS 6 asks for evidence the algorithm works in "
        "stressed markets.",
        source="RTS 6 Art 5 and Art 10; PRA SS5/18 (severe but plausible)",
        suggestion="Report behaviour in 2008, March 2020 and a rate shock, and in each "
        "volatility regime.",
        covers=(
            r"\bstress(?:ed)? (?:periods?|tests?|testing|scenarios?|markets?)\b",
            r"\b2008\b",
            r"\bfinancial crisis\b",
            r"\bcovid\b",
            r"\bregimes?\b",
            r"\btaper tantrum\b",
            r"\brate shock\b",
            r"\bsevere but plausible\b",
        ),
    ),
    # ---- Costs and execution -------------------------------------------------------------
    Rule(
        id="EX-01",
        name="no-transaction-costs",
        area="costs",
        scope="research",
        category="costs_and_execution",
        severity="critical",
        title="Transaction costs are not quantified",
        rationale="Costs turn many backtested edges negative, most of all for high-turnover "
        "strategies and short books with borrow fees.",
        source="Luo et al. (2014) turnover and costs; Almgren-Chriss",
        suggestion="State commissions, fees, half-spread, borrow and financing in basis "
        "points, and show results net of them.",
        covers=(
            r"\b(?:commissions?|fees?|spreads?|borrow(?:ing)? (?:costs?|fees?)|financing|"
            r"transaction costs?|trading costs?)\b",
        ),
        with_number=True,
        red_flags=(
            RedFlag(
                name="frictionless",
                pattern=r"\bfrictionless\b|\bignor(?:e|es|ed|ing) (?:all )?(?:transaction |"
                r"trading )?costs\b|\b(?:before|gross of|excluding) (?:all )?(?:transaction |"
                r"trading )?costs\b|\bzero (?:transaction |trading )?costs\b|\bno (?:transaction|"
                r"trading) costs (?:are|were) (?:assumed|included|modell?ed)\b",
                title="Results assume trading is free",
                detail="'{match}': a backtest without costs overstates returns, and turnover "
                "decides by how much.",
            ),
        ),
    ),
    Rule(
        id="EX-02",
        name="no-slippage-model",
        area="costs",
        scope="research",
        category="costs_and_execution",
        severity="high",
        title="No slippage or market-impact model",
        rationale="Impact grows with the square root of size relative to volume; ignoring it "
        "overstates returns at scale.",
        source="Almgren-Chriss; square-root impact law",
        suggestion="Give the slippage assumption in bps and an impact model (e.g. square-root "
        "in participation) with its calibration.",
        covers=(
            r"\bslippage\b",
            r"\bmarket impact\b",
            r"\bimpact (?:model|costs?)\b",
            r"\bsquare[- ]root\b",
            r"\balmgren\b",
            r"\bimplementation shortfall\b",
        ),
    ),
    Rule(
        id="EX-03",
        name="no-capacity",
        area="costs",
        scope="research",
        category="costs_and_execution",
        severity="high",
        title="Capacity is not estimated",
        rationale="Without a participation limit and AUM ceiling, live size can exceed what "
        "the edge supports.",
        source="Almgren-Chriss; Luo et al. (2014)",
        suggestion="State the maximum participation rate (% of ADV) and the AUM at which "
        "costs consume the edge.",
        covers=(
            r"\bcapacity\b",
            r"\bparticipation (?:rate|limit|cap)\b",
            r"%\s*of (?:ADV|average daily (?:volume|value))",
            r"\bpercent of (?:ADV|average daily (?:volume|value))",
            r"\b(?:AUM|assets under management) (?:limit|cap|ceiling)\b",
        ),
    ),
    Rule(
        id="EX-04",
        name="no-execution-method",
        area="execution",
        scope="operational",
        category="costs_and_execution",
        severity="high",
        title="Execution method is not specified",
        rationale="Order type, venue and schedule decide the fill price the backtest assumes.",
        source="RTS 6 Art 5 and Art 15; FIA (2015)",
        suggestion="Specify order types, venues, execution algorithm (TWAP/VWAP/closing "
        "auction) and the fill assumption used in the backtest.",
        covers=(
            r"\border types?\b",
            r"\blimit orders?\b",
            r"\bmarket orders?\b",
            r"\b(?-i:TWAP|VWAP|MOC)\b",
            r"\bmarket[- ]on[- ]close\b",
            r"\bclosing auction\b",
            r"\bvenues?\b",
            r"\bexecution (?:algorithm|strategy|venue|schedule)\b",
        ),
    ),
    # ---- Risk controls ---------------------------------------------------------------------
    Rule(
        id="RK-01",
        name="no-risk-limits",
        area="risk",
        scope="operational",
        category="risk_controls",
        severity="critical",
        title="No risk limits with numbers",
        rationale="Limits set before go-live bound the damage of a bug or a regime change.",
        source="RTS 6 Art 8; PRA SS5/18; SEC 15c3-5 (credit and capital thresholds)",
        suggestion="Give position, gross/net exposure, leverage, concentration, daily loss "
        "and drawdown limits with numbers and the action when each is hit.",
        covers=(
            r"\b(?:position|exposure|leverage|concentration|gross|net|sector|country|loss|"
            r"drawdown|var) (?:limits?|caps?|constraints?)\b",
            r"\bmaximum (?:position|weight|exposure|leverage|drawdown|loss|gross|net)\b",
            r"\b(?:capped|limited) at\b",
        ),
        with_number=True,
    ),
    Rule(
        id="RK-02",
        name="no-pre-trade-controls",
        area="risk",
        scope="operational",
        category="risk_controls",
        severity="critical",
        title="No pre-trade controls",
        rationale="Price collars, order-size limits and throttles stop an erroneous order "
        "before it reaches the market.",
        source="RTS 6 Art 15; SEC 15c3-5 (erroneous-order checks)",
        suggestion="List pre-trade controls: price collars, maximum order size and value, "
        "message throttles, credit and capital limits, restricted lists.",
        covers=(
            r"\bpre[- ]trade\b",
            r"\bprice collars?\b",
            r"\bfat[- ]finger\b",
            r"\bmax(?:imum)? order (?:size|value|quantity|notional)\b",
            r"\border (?:size|value) limits?\b",
            r"\bthrottl",
            r"\bmessage (?:rate )?limits?\b",
            r"\bcredit limits?\b",
            r"\brestricted (?:list|securities)\b",
        ),
    ),
    Rule(
        id="RK-03",
        name="no-kill-switch",
        area="risk",
        scope="operational",
        category="risk_controls",
        severity="critical",
        title="No kill switch",
        rationale="Knight Capital lost about $440M in 45 minutes without one; RTS 6 requires "
        "the ability to cancel all unexecuted orders immediately.",
        source="RTS 6 Art 12; PRA SS5/18; Knight Capital (2012)",
        suggestion="Describe the kill switch: what it cancels, who can trigger it, how fast, "
        "and how often it is tested.",
        covers=(
            r"\bkill[- ]?switch",
            r"\bkill functionality\b",
            r"\bemergency (?:stop|shut-?down)\b",
            r"\bcancel (?:all|any) (?:open |unexecuted |working )?orders\b",
            r"\bhalt (?:all )?trading\b",
        ),
    ),
    Rule(
        id="RK-04",
        name="no-monitoring",
        area="risk",
        scope="operational",
        category="risk_controls",
        severity="high",
        title="No real-time monitoring or alerts",
        rationale="Problems must be seen within minutes by someone who can act.",
        source="RTS 6 Art 16-17; PRA SS5/18; SEC 15c3-5 (post-trade reports)",
        suggestion="Describe real-time monitoring, alert thresholds, who is on call, and "
        "post-trade reconciliation.",
        covers=(
            r"\breal[- ]time monitor",
            r"\balert(?:s|ing)?\b",
            r"\bon[- ]call\b",
            r"\breconcil",
            r"\bpost[- ]trade\b",
            r"\bdashboards?\b",
        ),
    ),
    Rule(
        id="RK-05",
        name="no-failure-modes",
        area="risk",
        scope="operational",
        category="risk_controls",
        severity="high",
        title="Failure modes are not described",
        rationale="Stale data, disconnects and partial fills happen; the document must say "
        "what the algorithm does then.",
        source="FIA (2015) business continuity; RTS 6 Art 5; PRA SS5/18",
        suggestion="List failure modes (stale or missing data, venue disconnect, rejected "
        "orders) and the behaviour and fallback for each, plus disaster recovery.",
        covers=(
            r"\bfailure modes?\b",
            r"\bstale (?:data|prices?|quotes?|feeds?)\b",
            r"\bdisconnect",
            r"\bfail-?over\b",
            r"\bfallback\b",
            r"\bdisaster recovery\b",
            r"\bbusiness continuity\b",
        ),
    ),
    Rule(
        id="RK-06",
        name="no-market-abuse-controls",
        area="risk",
        scope="operational",
        category="compliance_gap",
        severity="medium",
        title="Market abuse controls are not covered",
        rationale="An algorithm can spoof, layer or self-trade without intent; surveillance "
        "must look for it.",
        source="RTS 6 Art 13; MAR",
        suggestion="State how spoofing, layering, self-trades and wash trades are prevented "
        "and surveilled.",
        covers=(
            r"\bmarket abuse\b",
            r"\bspoofing\b",
            r"\blayering\b",
            r"\bself[- ]trad",
            r"\bwash trad",
            r"\bmanipulat",
            r"\bsurveillance\b",
        ),
    ),
    # ---- Governance --------------------------------------------------------------------------
    Rule(
        id="GV-01",
        name="no-owner",
        area="governance",
        scope="oversight",
        category="missing_governance",
        severity="high",
        title="No owner or approver",
        rationale="Regulators expect named accountable owners and sign-off by front office, "
        "risk and compliance before deployment.",
        source="PRA SS5/18; RTS 6 Art 5; FINRA 15-09",
        suggestion="Name the owner, the approver, and the risk and compliance sign-offs with "
        "dates.",
        covers=(
            r"\bowner\b",
            r"\bapprov(?:er|ed by|al)\b",
            r"\bsign(?:ed)?[- ]off\b",
            r"\baccountab",
            r"\bresponsible for\b",
            r"\b(?:index|oversight|governance|investment|risk) committee\b",
        ),
    ),
    Rule(
        id="GV-02",
        name="no-versioning",
        area="governance",
        scope="oversight",
        category="missing_governance",
        severity="medium",
        title="No version, status or change process",
        rationale="Material changes must be identified and approved; that starts with a "
        "version and a change log.",
        source="RTS 6 Art 11; PRA SS5/18 (algorithm inventory)",
        suggestion="Add the algorithm id, version, status, change log and the material-change "
        "approval process.",
        covers=(
            r"\bversion\b",
            r"\bchange ?log\b",
            r"\brevision history\b",
            r"\bmaterial changes?\b",
            r"\balgorithm (?:id|identifier)\b",
            r"\bdocument history\b",
        ),
    ),
    Rule(
        id="GV-03",
        name="no-pre-deployment-testing",
        area="governance",
        scope="operational",
        category="missing_governance",
        severity="high",
        title="No testing before go-live",
        rationale="RTS 6 requires a test environment separate from production, conformance "
        "testing with venues and controlled deployment.",
        source="RTS 6 Art 6-7; PRA SS5/18; FINRA 15-09",
        suggestion="Describe the test environment, venue conformance tests, paper trading and "
        "the ramp-up plan with size limits.",
        covers=(
            r"\btest(?:ing)? environment\b",
            r"\bconformance test",
            r"\bpaper[- ]trad",
            r"\bsimulated trading\b",
            r"\bramp[- ]?up\b",
            r"\b(?-i:UAT)\b",
            r"\bstaging\b",
            r"\bgo[- ]live\b",
        ),
    ),
    Rule(
        id="GV-04",
        name="no-live-review",
        area="governance",
        scope="oversight",
        category="missing_governance",
        severity="high",
        title="No ongoing review of live performance",
        rationale="Edges decay; live results must be compared with the backtest on a fixed "
        "schedule with criteria for switching off.",
        source="SR 11-7 (ongoing monitoring, outcomes analysis); PRA SS5/18",
        suggestion="State how often live performance is compared with expectations, which "
        "metrics, and the decay criteria for review or retirement.",
        covers=(
            r"\blive (?:vs\.?|versus|against|compared)\b",
            r"\b(?:performance|alpha|signal) decay\b",
            r"\breviewed (?:daily|weekly|monthly|quarterly|annually|each)\b",
            r"\breview frequency\b",
            r"\bperformance review\b",
            r"\bongoing monitoring\b",
            r"\bmethodology review\b",
        ),
    ),
    Rule(
        id="GV-05",
        name="no-independent-validation",
        area="governance",
        scope="oversight",
        category="missing_governance",
        severity="medium",
        title="No independent validation",
        rationale="Validation by someone who did not build the model is the core of model "
        "risk management.",
        source="SR 11-7 (validation); RTS 6 Art 9 (annual self-assessment)",
        suggestion="State who validates the model independently and the annual self-assessment.",
        covers=(
            r"\bindependent(?:ly)? (?:review|validat)",
            r"\bself[- ]assessment\b",
            r"\bmodel validation\b",
            r"\bvalidation report\b",
            r"\bannual review\b",
            r"\breviewed annually\b",
            r"\bmodel risk\b",
        ),
    ),
    Rule(
        id="GV-06",
        name="no-regulatory-scope",
        area="governance",
        scope="oversight",
        category="compliance_gap",
        severity="low",
        title="Applicable regulations are not named",
        rationale="Which regimes apply decides which controls and records are mandatory.",
        source="RTS 6; PRA SS5/18; FINRA 15-09; SEC 15c3-5; EU BMR",
        suggestion="List the regulations that apply (e.g. MiFID II RTS 6, SEC 15c3-5, EU BMR).",
        covers=(
            r"\b(?-i:MiFID|RTS ?6|SS5/18|FINRA|IOSCO|BMR)\b",
            r"\b15c3-5\b",
            r"\bSR ?11-7\b",
            r"\bregulat(?:ion|ory|ions|ed)\b",
            r"\bcompliance\b",
        ),
    ),
    # ---- Market calendar -----------------------------------------------------------------
    Rule(
        id="MC-01",
        name="undefined-business-day",
        area="calendar",
        scope="core",
        category="market_calendar",
        severity="critical",
        title="'Business day' is never defined",
        rationale="Which exchange calendar and time zone define a day decides every date the "
        "strategy acts on.",
        source="REVIEW-CHECKLIST MC-01; RTS 6 Art 5 (venue rules)",
        suggestion="Define business day by a named exchange calendar (e.g. the NYSE trading "
        "calendar) and the time zone in which days roll.",
        covers=_CALENDAR_DEFINED,
        required_if=r"\b(?:business|trading|working) days?\b",
        red_flags=(
            RedFlag(
                name="business-day-undefined",
                pattern=r"\b(?:non-)?(?:business|trading|working) days?\b",
                title="'{match}' is used but no calendar defines it",
                detail="The document relies on '{match}' but never says which exchange "
                "calendar or time zone defines one, so dates can differ by market.",
                unless_sentence=EXCHANGES,
                unless_covered=True,
                once=True,
            ),
        ),
    ),
    Rule(
        id="MC-02",
        name="no-holiday-handling",
        area="calendar",
        scope="core",
        category="market_calendar",
        severity="high",
        title="Holiday and early-close handling is missing",
        rationale="A scheduled date that falls on a holiday needs a roll rule, or two "
        "implementations will trade on different days.",
        source="REVIEW-CHECKLIST MC-02",
        suggestion="State the roll convention (e.g. the preceding trading day) when a "
        "scheduled date is a holiday, and how early closes are handled.",
        covers=(
            r"\bholidays?\b",
            r"\bearly close",
            r"\bhalf[- ]day\b",
            r"\bmarket closures?\b",
            r"\bnot a (?:business|trading) day\b",
            r"\bnon-(?:business|trading) days?\b",
            r"\b(?:following|preceding|previous|next) (?:business|trading) day\b",
        ),
        required_if=_SCHEDULE,
        red_flags=(
            RedFlag(
                name="schedule-without-holiday-rule",
                pattern=_SCHEDULE,
                title="Schedule has no holiday rule",
                detail="'{match}' fixes a date, but the document never says what happens "
                "when that date is a holiday or an early close.",
                unless_covered=True,
                once=True,
            ),
        ),
    ),
    Rule(
        id="MC-03",
        name="no-cutoff-times",
        area="calendar",
        scope="core",
        category="market_calendar",
        severity="high",
        title="Cut-off and price fixing times are not given",
        rationale="'The closing price' differs by market and time zone; the fixing time and "
        "source must be named for each market.",
        source="REVIEW-CHECKLIST MC-03",
        suggestion="Give the cut-off time, time zone and price source for each market (e.g. "
        "16:00 America/New_York official close).",
        covers=(
            r"\b\d{1,2}[:.]\d{2}\b[^.\n]{0,30}\b(?:(?-i:UTC|GMT|CET|CEST|ET|EST|EDT|BST|JST|"
            r"HKT|SGT|AEST)|local time|[A-Z][a-z]+/[A-Z][A-Za-z_]+)",
            r"\b(?-i:UTC|GMT)\b",
            r"\btime ?zones?\b",
            r"\bfixing (?:time|price)\b",
            r"\bWM/Reuters\b",
            r"\bcut-?off times?\b",
        ),
        required_if=r"\bclos(?:e|ing) (?:price|level)s?\b|\bfixing\b",
    ),
    # ---- Clarity --------------------------------------------------------------------------
    Rule(
        id="CL-01",
        name="no-summary",
        area="clarity",
        scope="core",
        category="clarity",
        severity="high",
        title="No plain-language summary",
        rationale="Supervisors must understand the strategy without reading code.",
        source="FINRA 15-09 (plain summary); SR 11-7",
        suggestion="Open with a half-page summary a non-programmer can follow: what is "
        "traded, when and why.",
        covers=(
            r"\bsummary\b",
            r"\boverview\b",
            r"\bintroduction\b",
            r"\babstract\b",
            r"\bobjective\b",
            r"\bpurpose\b",
        ),
    ),
    Rule(
        id="CL-02",
        name="placeholder",
        area="clarity",
        scope="core",
        category="clarity",
        severity="high",
        title="Placeholder text left in the document",
        rationale="A placeholder is a decision not yet made; implementers will fill it "
        "differently.",
        source="REVIEW-CHECKLIST CL-02",
        suggestion="Replace every placeholder with the decided value, or mark the item out of "
        "scope.",
        red_flags=(
            RedFlag(
                name="placeholder",
                pattern=r"\b(?-i:TBD|TBC|TODO|FIXME|XXX)\b|\[\s*(?:insert|add|tbd|todo)[^\]]{0,60}"
                r"\]|\b(?-i:XX)(?:\.(?-i:X)+)?\s?%|\bto be (?:confirmed|determined|decided|agreed|"
                r"defined|finali[sz]ed)\b|\?\?\?|\blorem ipsum\b",
                title="Placeholder '{match}' left in the text",
                detail="'{match}' marks a value or rule that was never decided; as written the "
                "strategy cannot be implemented.",
            ),
        ),
    ),
    Rule(
        id="CL-03",
        name="unit-ambiguity",
        area="clarity",
        scope="core",
        category="clarity",
        severity="medium",
        title="Units or horizons are ambiguous",
        rationale="A 15% volatility target means different things daily and annualised; "
        "% versus decimal errors are a classic implementation bug.",
        source="REVIEW-CHECKLIST CL-03",
        suggestion="State units everywhere: annualised or daily, % or decimal, bps.",
        red_flags=(
            RedFlag(
                name="volatility-without-horizon",
                pattern=r"\b(?:volatility|vol|tracking error|standard deviation)\b[^.\n]{0,30}?"
                r"\b\d+(?:\.\d+)?\s?%",
                title="Volatility figure without a horizon",
                detail="'{match}' does not say whether the figure is daily, monthly or "
                "annualised, which changes it by a factor of up to 16.",
                unless_sentence=r"\bannuali[sz]ed\b|\bper annum\b|\bp\.a\.|\bdaily\b|\bmonthly\b|"
                r"\bannual\b|\byearly\b|\bweekly\b",
                unless_document=r"\ball (?:volatilit\w+|figures|risk figures) (?:are|is) "
                r"(?:annuali[sz]ed|daily)\b",
            ),
        ),
    ),
    Rule(
        id="CL-04",
        name="inconsistent-values",
        area="clarity",
        scope="core",
        category="inconsistent_content",
        severity="medium",
        title="The same quantity is stated with different values",
        rationale="Two values for one parameter force the implementer to guess which is right.",
        source="REVIEW-CHECKLIST CL-04",
        suggestion="State each parameter once, ideally in a parameter table, and refer to it.",
        ir_check="consistency",
    ),
    Rule(
        id="CL-05",
        name="unresolved-reference",
        area="clarity",
        scope="core",
        category="missing_reference",
        severity="high",
        title="Referenced material is missing",
        rationale="A rule that lives in a missing appendix or an uncited document cannot be "
        "implemented or reviewed.",
        source="REVIEW-CHECKLIST CL-05; SR 11-7 (documentation)",
        suggestion="Include the referenced appendix or cite the external document precisely "
        "(title, version, date).",
        ir_check="references",
    ),
    Rule(
        id="CL-06",
        name="no-reproducibility",
        area="clarity",
        scope="research",
        category="clarity",
        severity="low",
        title="No reproducibility information",
        rationale="Configuration, code version, seeds and a data manifest let a validator "
        "rerun the exact result.",
        source="Arnott, Harvey & Markowitz (2019); SR 11-7",
        suggestion="Reference the configuration, code commit, random seeds and data manifest "
        "behind every reported number.",
        covers=(
            r"\bconfig(?:uration)? (?:file|parameters)\b",
            r"\bcode (?:reference|repository|version)\b",
            r"\bgit\b",
            r"\bcommit\b",
            r"\b(?:random )?seeds?\b",
            r"\bdata manifest\b",
            r"\bparameter table\b",
            r"\breproduc",
        ),
    ),
)

RULES_BY_ID = {rule.id: rule for rule in RULES}

# When a document says nothing at all about an area, one finding replaces its rows.
AREA_GAPS: dict[str, tuple[str, str]] = {
    "logic": (
        "Strategy logic is not described",
        "Describe the hypothesis, universe, signal, entry and exit rules, sizing, and the "
        "assumptions behind them.",
    ),
    "data": (
        "Data sources and data handling are not described",
        "Name each data source and describe point-in-time handling, survivorship, timing "
        "(lags) and cleaning.",
    ),
    "backtest": (
        "No backtest methodology",
        "Describe the backtest: dated samples, out-of-sample and walk-forward design, the "
        "number of trials, statistics with uncertainty, sensitivity and stress periods.",
    ),
    "costs": (
        "Costs, slippage and capacity are not modelled",
        "Give commissions, spread, borrow and impact in bps, and a capacity estimate as a "
        "participation rate and AUM ceiling.",
    ),
    "execution": (
        "Execution is not described",
        "Describe order types, venues, execution algorithm and fill assumptions.",
    ),
    "risk": (
        "No risk controls",
        "Add numbered risk limits, pre-trade controls, a kill switch, real-time monitoring and "
        "failure-mode handling.",
    ),
    "governance": (
        "No governance: owner, approval, testing or review",
        "Name the owner and approvers, version the document, and describe pre-deployment "
        "testing, live review and independent validation.",
    ),
    "calendar": (
        "Market calendar is not defined",
        "Define business days by exchange calendar and time zone, holiday roll rules, and the "
        "cut-off and price fixing times per market.",
    ),
    "clarity": (
        "Document lacks a summary and reproducibility details",
        "Add a plain-language summary and references to configuration, code and data.",
    ),
}
