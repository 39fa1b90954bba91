"""Vocabularies of the sample-programme generator: a company's functions, titles, skills,
offices, languages, interests and the hidden "expertise themes" with their many phrasings.

Everything here is plain data. Text templates use a small notation expanded by
:mod:`recommender.data.generator.text`: ``(a|b|c)`` picks one alternative, ``[x]`` includes ``x``
half of the time, and ``{slot}`` is filled from the person (``{team_size}``, ``{dept_noun}``,
...). Alternatives nest. The point of the notation is volume: a theme's few templates expand to
hundreds of distinct sentences, so that exact keyword matching between a mentee's goals and a
mentor's profile recovers only part of the true fit and semantic similarity matters.
"""

from __future__ import annotations

from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Skills: every canonical skill belongs to exactly one cluster; skills of one cluster are
# "related" (partial credit in the hidden model's skill-gap coverage).
# ---------------------------------------------------------------------------------------------

SKILL_CLUSTERS: dict[str, tuple[str, ...]] = {
    # engineering
    "programming": ("Python", "Java", "Go", "TypeScript", "JavaScript", "C++", "Rust"),
    "architecture": (
        "system design",
        "distributed systems",
        "microservices",
        "API design",
        "software architecture",
    ),
    "infrastructure": (
        "Kubernetes",
        "Docker",
        "Terraform",
        "AWS",
        "GCP",
        "CI/CD",
        "observability",
    ),
    "code_quality": ("code review", "testing", "debugging", "performance optimization"),
    "frontend": ("React", "web performance", "accessibility", "CSS"),
    "security": ("application security", "threat modeling", "identity and access management"),
    "reliability": ("incident management", "site reliability engineering", "on-call practices"),
    # data
    "analytics": (
        "SQL",
        "data visualization",
        "Tableau",
        "dashboarding",
        "statistics",
        "Looker",
    ),
    "machine_learning": (
        "machine learning",
        "deep learning",
        "NLP",
        "MLOps",
        "feature engineering",
        "recommender systems",
    ),
    "data_platform": (
        "data engineering",
        "Spark",
        "Airflow",
        "dbt",
        "data modeling",
        "data warehousing",
    ),
    "experimentation": ("A/B testing", "experiment design", "causal inference"),
    # product
    "product_strategy": (
        "product strategy",
        "product vision",
        "roadmapping",
        "prioritization",
        "pricing",
        "market research",
        "competitive analysis",
    ),
    "product_delivery": (
        "agile",
        "user stories",
        "product discovery",
        "product analytics",
        "go-to-market",
        "product requirements",
        "customer interviews",
        "API products",
        "platform products",
    ),
    # design
    "ux": (
        "user research",
        "usability testing",
        "interaction design",
        "information architecture",
        "prototyping",
        "Figma",
    ),
    "visual_design": (
        "visual design",
        "design systems",
        "typography",
        "brand design",
        "motion design",
        "illustration",
        "design critique",
    ),
    "service_design": (
        "service design",
        "UX writing",
        "journey mapping",
    ),
    # sales
    "selling": (
        "prospecting",
        "pipeline management",
        "enterprise sales",
        "sales forecasting",
        "solution selling",
        "closing",
        "discovery calls",
        "Salesforce",
        "territory planning",
        "objection handling",
        "value selling",
        "RFP responses",
    ),
    "sales_ops": (
        "sales enablement",
        "channel partnerships",
        "CRM administration",
    ),
    "customer": (
        "customer success",
        "account management",
        "customer retention",
        "customer onboarding",
        "renewals",
        "upselling",
        "customer advocacy",
    ),
    # marketing
    "growth": (
        "performance marketing",
        "SEO",
        "paid acquisition",
        "marketing analytics",
        "email marketing",
        "lifecycle marketing",
        "growth marketing",
    ),
    "brand": (
        "brand strategy",
        "content marketing",
        "copywriting",
        "social media",
        "public relations",
        "product marketing",
        "event marketing",
        "community building",
        "influencer marketing",
    ),
    "marketing_ops": (
        "marketing automation",
        "HubSpot",
        "market segmentation",
    ),
    # finance
    "fpa": (
        "financial modeling",
        "budgeting",
        "forecasting",
        "FP&A",
        "variance analysis",
        "P&L management",
        "Excel",
    ),
    "accounting": (
        "accounting",
        "audit",
        "tax",
        "revenue recognition",
        "financial reporting",
        "treasury",
    ),
    "capital": (
        "fundraising",
        "investor relations",
        "M&A",
        "valuation",
    ),
    "controls": (
        "cash flow management",
        "cost accounting",
        "SOX compliance",
    ),
    # HR
    "talent": (
        "recruiting",
        "interviewing",
        "employer branding",
        "talent acquisition",
        "employee onboarding",
    ),
    "people_ops": (
        "performance management",
        "compensation",
        "employee relations",
        "HR policy",
        "workforce planning",
        "HRIS",
    ),
    "development": (
        "learning and development",
        "leadership development",
        "diversity and inclusion",
        "employee engagement",
        "succession planning",
        "employee wellbeing",
    ),
    "org_design": (
        "organizational design",
        "benefits administration",
    ),
    # operations
    "operations": (
        "process improvement",
        "lean",
        "six sigma",
        "supply chain",
        "logistics",
        "vendor management",
        "procurement",
        "operations strategy",
        "inventory management",
        "demand planning",
        "quality assurance",
    ),
    "workplace": (
        "facilities management",
        "workplace operations",
        "travel and expenses",
    ),
    "programs": ("program management", "risk management", "Jira", "OKRs", "business continuity"),
    # legal
    "legal": (
        "contract negotiation",
        "commercial contracts",
        "data privacy",
        "GDPR",
        "compliance",
        "intellectual property",
        "employment law",
        "regulatory affairs",
        "corporate governance",
    ),
    "legal_practice": (
        "legal research",
        "contract drafting",
        "dispute resolution",
        "antitrust",
        "export controls",
        "privacy impact assessments",
        "legal operations",
    ),
    # cross-functional
    "leadership": (
        "people management",
        "coaching",
        "giving feedback",
        "hiring",
        "conflict resolution",
        "team building",
        "delegation",
    ),
    "communication": (
        "public speaking",
        "presentation skills",
        "storytelling",
        "written communication",
        "executive communication",
    ),
    "influence": (
        "stakeholder management",
        "negotiation",
        "influencing",
        "cross-functional collaboration",
        "networking",
        "cross-cultural communication",
    ),
    "planning": (
        "strategic planning",
        "decision making",
        "project management",
        "change management",
        "time management",
    ),
    "career": ("career planning", "personal branding", "resilience", "work-life balance"),
    "venture": ("entrepreneurship", "business planning", "pitching"),
    "digital": (
        "generative AI",
        "prompt engineering",
        "no-code tools",
        "data literacy",
        "remote collaboration tools",
    ),
}

CROSS_FUNCTIONAL_CLUSTERS: tuple[str, ...] = (
    "leadership",
    "communication",
    "influence",
    "planning",
    "career",
)

#: How some skills are also written in people's lists (case, abbreviation, wording). The hidden
#: model only knows canonical skills; listing a variant is noise an exact matcher misses.
SKILL_VARIANTS: dict[str, tuple[str, ...]] = {
    "SQL": ("sql", "SQL queries"),
    "Python": ("python", "Python 3"),
    "JavaScript": ("JS", "javascript"),
    "TypeScript": ("typescript",),
    "Kubernetes": ("k8s", "kubernetes"),
    "machine learning": ("ML", "Machine Learning"),
    "deep learning": ("Deep Learning", "neural networks"),
    "NLP": ("natural language processing",),
    "people management": ("managing people", "team management", "People Management"),
    "public speaking": ("presenting", "Public Speaking", "speaking at conferences"),
    "presentation skills": ("presentations",),
    "stakeholder management": ("managing stakeholders", "Stakeholder Management"),
    "strategic planning": ("strategy", "Strategic Planning"),
    "negotiation": ("negotiating", "Negotiation"),
    "giving feedback": ("feedback", "giving and receiving feedback"),
    "A/B testing": ("AB testing", "experimentation"),
    "data visualization": ("data viz", "dataviz"),
    "financial modeling": ("financial modelling", "modelling"),
    "FP&A": ("financial planning and analysis",),
    "Excel": ("excel", "spreadsheets"),
    "user research": ("UX research", "user interviews"),
    "design systems": ("Design Systems", "component libraries"),
    "SEO": ("search engine optimization", "seo"),
    "CI/CD": ("continuous delivery", "ci/cd"),
    "system design": ("System Design", "systems design"),
    "project management": ("managing projects", "Project Management"),
    "program management": ("programme management",),
    "generative AI": ("GenAI", "gen AI", "LLMs"),
    "recruiting": ("recruitment",),
    "contract negotiation": ("negotiating contracts",),
    "data privacy": ("privacy",),
    "customer success": ("Customer Success", "CS"),
    "prioritization": ("prioritisation", "prioritizing"),
    "roadmapping": ("roadmaps", "product roadmaps"),
    "go-to-market": ("GTM", "go to market"),
    "time management": ("managing my time", "productivity"),
    "cross-functional collaboration": ("working across teams", "collaboration"),
    "storytelling": ("Storytelling", "narrative building"),
}

# ---------------------------------------------------------------------------------------------
# Functions (departments) and titles per seniority level 1..7.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Function:
    """A department: its display name, domain noun, headcount share, skill clusters, titles."""

    key: str
    department: str
    noun: str  # "software engineering", used in sentences
    share: float
    clusters: tuple[str, ...]
    titles: tuple[tuple[str, ...], ...]  # titles[level - 1] -> alternatives


FUNCTIONS: tuple[Function, ...] = (
    Function(
        "engineering",
        "Engineering",
        "software engineering",
        0.26,
        (
            "programming",
            "architecture",
            "infrastructure",
            "code_quality",
            "frontend",
            "security",
            "reliability",
        ),
        (
            ("Associate Software Engineer", "Junior Software Engineer"),
            ("Software Engineer", "Software Engineer II"),
            ("Senior Software Engineer", "Senior Backend Engineer", "Senior Frontend Engineer"),
            ("Staff Engineer", "Engineering Manager", "Tech Lead"),
            ("Principal Engineer", "Senior Engineering Manager"),
            ("Director of Engineering", "Distinguished Engineer"),
            ("VP of Engineering", "CTO"),
        ),
    ),
    Function(
        "data",
        "Data",
        "data and analytics",
        0.09,
        ("analytics", "machine_learning", "data_platform", "experimentation", "programming"),
        (
            ("Associate Data Analyst", "Junior Data Analyst"),
            ("Data Analyst", "Data Scientist", "Data Engineer"),
            ("Senior Data Scientist", "Senior Data Engineer", "Senior Analyst"),
            ("Lead Data Scientist", "Analytics Manager", "Staff Data Engineer"),
            ("Principal Data Scientist", "Senior Manager, Analytics"),
            ("Director of Data Science", "Head of Analytics"),
            ("VP of Data", "Chief Data Officer"),
        ),
    ),
    Function(
        "product",
        "Product",
        "product management",
        0.07,
        ("product_strategy", "product_delivery", "experimentation"),
        (
            ("Associate Product Manager",),
            ("Product Manager", "Technical Product Manager"),
            ("Senior Product Manager",),
            ("Lead Product Manager", "Product Lead"),
            ("Group Product Manager", "Principal Product Manager"),
            ("Director of Product", "Head of Product"),
            ("VP of Product", "Chief Product Officer"),
        ),
    ),
    Function(
        "design",
        "Design",
        "design",
        0.05,
        ("ux", "visual_design", "service_design", "frontend"),
        (
            ("Junior Product Designer", "Design Associate"),
            ("Product Designer", "UX Researcher", "UX Designer"),
            ("Senior Product Designer", "Senior UX Researcher"),
            ("Lead Designer", "Design Manager"),
            ("Principal Designer", "Senior Design Manager"),
            ("Director of Design", "Head of Research"),
            ("VP of Design", "Chief Design Officer"),
        ),
    ),
    Function(
        "sales",
        "Sales",
        "sales",
        0.17,
        ("selling", "sales_ops", "customer"),
        (
            ("Sales Development Representative", "Business Development Representative"),
            ("Account Executive", "Customer Success Manager"),
            ("Senior Account Executive", "Senior Customer Success Manager"),
            ("Enterprise Account Executive", "Sales Manager"),
            ("Senior Sales Manager", "Regional Sales Lead"),
            ("Director of Sales", "Regional Sales Director"),
            ("VP of Sales", "Chief Revenue Officer"),
        ),
    ),
    Function(
        "marketing",
        "Marketing",
        "marketing",
        0.09,
        ("growth", "brand", "marketing_ops"),
        (
            ("Marketing Coordinator", "Marketing Associate"),
            ("Marketing Specialist", "Content Marketer", "Growth Marketer"),
            ("Marketing Manager", "Product Marketing Manager"),
            ("Senior Marketing Manager", "Senior Product Marketing Manager"),
            ("Head of Growth", "Group Marketing Manager"),
            ("Director of Marketing", "Brand Director"),
            ("VP of Marketing", "Chief Marketing Officer"),
        ),
    ),
    Function(
        "finance",
        "Finance",
        "finance",
        0.07,
        ("fpa", "accounting", "capital", "controls"),
        (
            ("Junior Accountant", "Finance Associate"),
            ("Financial Analyst", "Accountant"),
            ("Senior Financial Analyst", "Senior Accountant"),
            ("Finance Manager", "FP&A Lead"),
            ("Senior Finance Manager", "Controller"),
            ("Director of Finance", "Head of FP&A"),
            ("VP of Finance", "Chief Financial Officer"),
        ),
    ),
    Function(
        "hr",
        "HR",
        "HR and people operations",
        0.06,
        ("talent", "people_ops", "development", "org_design"),
        (
            ("People Operations Coordinator", "Recruiting Coordinator"),
            ("Recruiter", "HR Generalist"),
            ("Senior Recruiter", "HR Business Partner"),
            ("Talent Acquisition Lead", "Senior HR Business Partner"),
            ("Head of Talent", "People Partner Manager"),
            ("Director of People",),
            ("VP of People", "Chief People Officer"),
        ),
    ),
    Function(
        "operations",
        "Operations",
        "operations",
        0.09,
        ("operations", "programs", "workplace"),
        (
            ("Operations Associate", "Program Coordinator"),
            ("Operations Analyst", "Program Analyst"),
            ("Senior Operations Analyst", "Program Manager"),
            ("Operations Manager", "Senior Program Manager"),
            ("Senior Operations Manager", "Principal Program Manager"),
            ("Director of Operations",),
            ("VP of Operations", "Chief Operating Officer"),
        ),
    ),
    Function(
        "legal",
        "Legal",
        "legal",
        0.05,
        ("legal", "legal_practice"),
        (
            ("Paralegal", "Legal Assistant"),
            ("Legal Counsel", "Compliance Analyst"),
            ("Senior Legal Counsel", "Compliance Manager"),
            ("Lead Counsel", "Privacy Counsel"),
            ("Associate General Counsel",),
            ("Deputy General Counsel", "Head of Compliance"),
            ("General Counsel",),
        ),
    ),
)

N_LEVELS = 7

#: Shares of seniority levels 1..7 among mentors and among mentees.
MENTOR_LEVEL_SHARES: tuple[float, ...] = (0.03, 0.08, 0.19, 0.23, 0.21, 0.16, 0.10)
MENTEE_LEVEL_SHARES: tuple[float, ...] = (0.22, 0.28, 0.24, 0.14, 0.08, 0.03, 0.01)

# ---------------------------------------------------------------------------------------------
# Offices: city, IANA zone, headcount share, languages.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Office:
    """An office: where people sit, which zone, and which languages they speak.

    ``local`` is the office's main language (always spoken); ``english`` the share who also
    speak English (1.0 where English is the local language); ``extra`` further languages with
    the share of people speaking each.
    """

    city: str
    timezone: str
    share: float
    local: str
    english: float
    extra: tuple[tuple[str, float], ...] = ()


_US_EXTRA = (("Spanish", 0.12), ("Mandarin", 0.03), ("Hindi", 0.03), ("French", 0.02))

OFFICES: tuple[Office, ...] = (
    Office("San Francisco", "America/Los_Angeles", 0.10, "English", 1.0, _US_EXTRA),
    Office("Seattle", "America/Los_Angeles", 0.05, "English", 1.0, _US_EXTRA),
    Office("New York", "America/New_York", 0.11, "English", 1.0, _US_EXTRA),
    Office("Boston", "America/New_York", 0.03, "English", 1.0, _US_EXTRA),
    Office("Chicago", "America/Chicago", 0.04, "English", 1.0, _US_EXTRA),
    Office("Austin", "America/Chicago", 0.03, "English", 1.0, _US_EXTRA),
    Office(
        "Toronto",
        "America/Toronto",
        0.03,
        "English",
        1.0,
        (("French", 0.25), ("Mandarin", 0.05), ("Hindi", 0.04)),
    ),
    Office("Mexico City", "America/Mexico_City", 0.03, "Spanish", 0.78, (("Portuguese", 0.04),)),
    Office("São Paulo", "America/Sao_Paulo", 0.05, "Portuguese", 0.72, (("Spanish", 0.3),)),
    Office(
        "Buenos Aires",
        "America/Argentina/Buenos_Aires",
        0.02,
        "Spanish",
        0.8,
        (("Portuguese", 0.15), ("Italian", 0.08)),
    ),
    Office(
        "London",
        "Europe/London",
        0.10,
        "English",
        1.0,
        (
            ("French", 0.08),
            ("Spanish", 0.08),
            ("Hindi", 0.05),
            ("German", 0.04),
            ("Portuguese", 0.03),
        ),
    ),
    Office(
        "Dublin",
        "Europe/Dublin",
        0.03,
        "English",
        1.0,
        (("French", 0.06), ("Spanish", 0.06), ("Irish", 0.05)),
    ),
    Office("Berlin", "Europe/Berlin", 0.05, "German", 0.9, (("French", 0.1), ("Spanish", 0.05))),
    Office("Munich", "Europe/Berlin", 0.02, "German", 0.85, (("Italian", 0.06),)),
    Office("Paris", "Europe/Paris", 0.04, "French", 0.82, (("Spanish", 0.1), ("German", 0.05))),
    Office(
        "Madrid", "Europe/Madrid", 0.03, "Spanish", 0.8, (("French", 0.1), ("Portuguese", 0.05))
    ),
    Office(
        "Lagos",
        "Africa/Lagos",
        0.03,
        "English",
        1.0,
        (("Yoruba", 0.4), ("Igbo", 0.2), ("French", 0.05)),
    ),
    Office("Nairobi", "Africa/Nairobi", 0.02, "English", 1.0, (("Swahili", 0.7),)),
    Office("Bengaluru", "Asia/Kolkata", 0.07, "English", 1.0, (("Hindi", 0.6), ("Kannada", 0.3))),
    Office("Hyderabad", "Asia/Kolkata", 0.02, "English", 1.0, (("Hindi", 0.6), ("Telugu", 0.45))),
    Office(
        "Singapore",
        "Asia/Singapore",
        0.03,
        "English",
        1.0,
        (("Mandarin", 0.45), ("Malay", 0.15), ("Tamil", 0.08)),
    ),
    Office("Shanghai", "Asia/Shanghai", 0.02, "Mandarin", 0.55),
    Office("Tokyo", "Asia/Tokyo", 0.02, "Japanese", 0.5),
    Office(
        "Sydney",
        "Australia/Sydney",
        0.03,
        "English",
        1.0,
        (("Mandarin", 0.06), ("Spanish", 0.03), ("Hindi", 0.03)),
    ),
)

# ---------------------------------------------------------------------------------------------
# Interests, audit groups, mentoring types.
# ---------------------------------------------------------------------------------------------

INTERESTS: tuple[str, ...] = (
    "open source",
    "running",
    "photography",
    "AI ethics",
    "sustainability",
    "chess",
    "cooking",
    "travel",
    "hiking",
    "board games",
    "music",
    "volunteering",
    "reading",
    "startups",
    "diversity and inclusion",
    "climate tech",
    "writing",
    "podcasts",
    "gaming",
    "yoga",
    "cycling",
    "parenting",
    "languages",
    "investing",
    "design thinking",
    "public policy",
    "football",
    "gardening",
    "film",
    "behavioral economics",
)

#: Audit groups and their overall shares (unequal on purpose); a department tilts them slightly.
GROUPS: tuple[str, ...] = ("group_a", "group_b", "group_c", "group_d")
GROUP_SHARES: tuple[float, ...] = (0.46, 0.29, 0.17, 0.08)

# ---------------------------------------------------------------------------------------------
# Expertise themes: the hidden reason a mentor fits a mentee.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Theme:
    """A hidden expertise theme: who has it, who wants it, its skills and its phrasings.

    ``mentor_functions`` / ``mentee_functions``: function keys whose people have / want it
    (empty: any function). ``min_mentor_level`` / ``mentee_levels``: seniority constraints.
    ``related``: themes that give partial fit (the relation is made symmetric).
    """

    key: str
    skills: tuple[str, ...]
    mentor_phrases: tuple[str, ...]
    mentee_phrases: tuple[str, ...]
    mentor_functions: tuple[str, ...] = ()
    mentee_functions: tuple[str, ...] = ()
    exclude_mentee_functions: tuple[str, ...] = ()
    min_mentor_level: int = 1
    max_mentor_level: int = N_LEVELS
    mentee_levels: tuple[int, int] = (1, N_LEVELS)
    related: tuple[str, ...] = ()


THEMES: tuple[Theme, ...] = (
    Theme(
        "people_leadership",
        (
            "people management",
            "giving feedback",
            "delegation",
            "hiring",
            "coaching",
            "conflict resolution",
            "team building",
        ),
        (
            "(I've|I have) (led|managed|run) teams of {team_size} (people|engineers|"
            "specialists|ICs) for (years|a long time|most of my career).",
            "Built and (managed|grew) a {dept_noun} team from scratch[, from (two|three) people "
            "to {team_size}].",
            "(Went|Moved) from individual contributor to (manager|team lead) {years_ago} and "
            "(still remember|remember well) how (hard|confusing) the first year was.",
            "(Most of my|A lot of my) (time|week) goes into one-on-ones, (hiring|growing people) "
            "and (keeping a team healthy|building a team people want to stay on).",
            "(Have|I have) (coached|trained) (several|a number of|many) first-time (managers|"
            "leads)[ through their first year].",
            "Led a team of {team_size} through a (reorg|merger|hard restructuring) without "
            "(losing anyone|regretted attrition).",
        ),
        (
            "(I want|I'd like|Hoping) to become a people manager[ in the next year].",
            "(Preparing for|Getting ready for|About to start) (a|my) first team-lead role.",
            "(Looking to|Want to) move from (individual contributor|IC) (work|track) into "
            "(management|leading a team).",
            "(I just got|I recently took on) (two|three|my first) direct reports and "
            "(need help with|want advice on) (one-on-ones|giving feedback|delegating).",
            "(Want to learn|Learning) how to (lead|run) a team without (micromanaging|doing "
            "all the work myself).",
            "(Curious whether|Trying to decide if) the (manager|management) path is right for me.",
        ),
        min_mentor_level=4,
        mentee_levels=(2, 5),
        related=("managing_managers", "sales_leadership", "hiring_interviewing", "hr_partnering"),
    ),
    Theme(
        "managing_managers",
        (
            "people management",
            "strategic planning",
            "change management",
            "decision making",
            "executive communication",
            "workforce planning",
        ),
        (
            "(Lead|Run|Head) an organisation of {big_team} (people|engineers) (through|with) "
            "(several|four|five) managers.",
            "(Have managed|Manage) managers for {years_ago_long}; (built|set up) the "
            "(leadership|management) bench (for|of) (our|the) {dept_noun} (org|group).",
            "(Scaled|Grew) a department from {team_size} to {big_team} (people|headcount) "
            "(and|while) (kept|keeping) the culture intact.",
            "(Sit on|Member of) the (senior leadership team|leadership team) (for|of) "
            "{dept_noun}[ and own (headcount planning|the budget)].",
        ),
        (
            "(Recently promoted to|Just became) (a manager of managers|senior manager|head of "
            "my group) and (want|need) (a sounding board|perspective).",
            "(Want to learn|Learning) how to lead through other (leads|managers) rather than "
            "(directly|hands-on).",
            "(Aiming for|Working towards) a (director|head-of) (role|position)[ within two years].",
            "(Struggling with|Need help with) (org design|planning headcount|running a bigger "
            "org).",
        ),
        min_mentor_level=6,
        mentee_levels=(4, 6),
        related=("people_leadership", "executive_presence", "finance_for_non_finance"),
    ),
    Theme(
        "career_switch_data",
        ("SQL", "Python", "statistics", "data visualization", "dashboarding", "Tableau"),
        (
            "(Moved|Switched) (into data|into analytics) from (finance|marketing|operations|"
            "teaching|a non-technical role)[ {years_ago}].",
            "(Self-taught|Largely self-taught) (analyst|data scientist) who now (leads|runs) "
            "(an analytics team|our analytics group).",
            "(Hire and train|I hire and train|Have trained) (junior|career-changing) "
            "(analysts|data people)[ and know what a good portfolio looks like].",
            "(Built|Created) our internal (analytics bootcamp|SQL course|data academy) "
            "for (non-technical|business) colleagues.",
        ),
        (
            "(Want to|I'd like to|Planning to) (switch careers|move|transition) into "
            "(data analytics|data science|an analyst role).",
            "(Learning|Teaching myself) (SQL and Python|SQL|Python) (to move|hoping to move|so I "
            "can move) into a data role.",
            "(Curious about|Exploring) (becoming a data scientist|a career in analytics)[ but "
            "(not sure where to start|don't have a technical degree)].",
            "(I work in|Coming from) {dept_noun} and (want to|would love to) (work with data "
            "full-time|become an analyst).",
        ),
        mentor_functions=("data",),
        exclude_mentee_functions=("data",),
        related=("analytics_experimentation", "ml_engineering", "data_engineering"),
    ),
    Theme(
        "career_switch_product",
        (
            "product discovery",
            "roadmapping",
            "prioritization",
            "user stories",
            "stakeholder management",
        ),
        (
            "(Moved|Came) into product (management|from engineering|from design|from "
            "consulting)[ {years_ago}].",
            "(Have hired|Hired) (many|several) product managers from (other functions|"
            "non-traditional backgrounds).",
            "(Run|Ran) the (APM|associate product manager) programme[ and (interview|coach) "
            "people moving into product].",
        ),
        (
            "(Want to|Hoping to|Thinking about how to) (move|transition|switch) into product "
            "management.",
            "(Exploring|Curious about) (the PM role|becoming a product manager) (from|coming "
            "from) {dept_noun}.",
            "(Would like to|Want to) (understand|learn) what product managers actually do "
            "(day to day|all day)[ before (applying|making a move)].",
        ),
        mentor_functions=("product",),
        exclude_mentee_functions=("product",),
        related=("product_strategy", "ux_research"),
    ),
    Theme(
        "public_speaking",
        ("public speaking", "presentation skills", "storytelling", "executive communication"),
        (
            "(Regular|Frequent) (conference speaker|speaker at industry events)[; (keynoted|"
            "gave talks at) {country_count} (conferences|summits) last year].",
            "(Coach|I coach) (executives|leaders|colleagues) on (presentations|presenting|"
            "talks)[ before big (meetings|board meetings)].",
            "(Run|Organise) (our|the) internal (speaker programme|tech talks|lunch-and-learn "
            "series).",
            "(Used to be|Was once) (terrified|very nervous) of (speaking|presenting) and "
            "(learned|taught myself) to (enjoy it|love the stage).",
            "(Present|Presenting) to the (board|executive team) (every quarter|regularly).",
        ),
        (
            "(Want to|I'd like to) (get more comfortable|feel confident) presenting to "
            "(leadership|senior people|large groups).",
            "(Nervous|Very nervous|Anxious) (speaking|presenting) in front of (large groups|"
            "big audiences|executives).",
            "(Want to|Hoping to) give a talk at a (conference|meetup)[ this year].",
            "(Need help with|Working on) (my presentation skills|how I present ideas) "
            "(in meetings|to stakeholders).",
        ),
        related=("executive_presence", "brand_storytelling", "career_growth"),
    ),
    Theme(
        "executive_presence",
        (
            "stakeholder management",
            "influencing",
            "executive communication",
            "negotiation",
            "cross-functional collaboration",
        ),
        (
            "(Advise|Have advised) the executive team on (major decisions|strategy)[ for "
            "{years_ago_long}].",
            "(Known for|Good at) getting (buy-in|alignment) across (teams|departments) that "
            "(disagree|don't report to me).",
            "(Spent|Have spent) {years_ago_long} (working with|managing) (senior|C-level) "
            "(stakeholders|executives).",
            "(Led|Drove) (cross-company|company-wide) initiatives with no formal authority over "
            "(the people involved|anyone on them).",
        ),
        (
            "(Want to|Need to) (get buy-in|win support) from (senior stakeholders|leadership) "
            "for my (ideas|projects).",
            "(Learning|Want to learn) how to influence without authority.",
            "(Want to|Would like to) (build|develop) more executive presence.",
            "(Struggle|I struggle) to (be heard|get my ideas through) in (senior meetings|"
            "leadership reviews).",
        ),
        min_mentor_level=5,
        related=("public_speaking", "managing_managers", "career_growth", "program_management"),
    ),
    Theme(
        "product_strategy",
        (
            "product strategy",
            "product vision",
            "roadmapping",
            "pricing",
            "market research",
            "competitive analysis",
            "prioritization",
        ),
        (
            "(Set|Own) (the|our) product vision for a (platform|product) used by {scale}.",
            "(Own|Owned) (roadmap|the roadmap) and pricing for (our|a) (core|flagship) product.",
            "(Took|Have taken) (two|three|several) products from zero to one[ and one to scale].",
            "(Spend|I spend) most of my time on (strategy|where the product should go), "
            "(not|less on) (tickets|delivery).",
        ),
        (
            "(Want to|Need to) think more strategically about (the|my) roadmap.",
            "(Looking to|Want to) (move|grow) from (feature delivery|shipping features) to "
            "(product strategy|owning strategy).",
            "(Want to|I'd like to) learn (prioritisation frameworks|how to prioritise well) and "
            "(say no|push back) (with confidence|more often).",
            "(Preparing for|Aiming at) a senior PM (role|promotion) (that|which) (needs|expects) "
            "(a clear vision|strategy work).",
        ),
        mentor_functions=("product",),
        mentee_functions=("product", "design", "engineering", "marketing"),
        related=("career_switch_product", "go_to_market", "entrepreneurship", "ux_research"),
    ),
    Theme(
        "corporate_finance",
        (
            "financial modeling",
            "fundraising",
            "investor relations",
            "valuation",
            "budgeting",
            "forecasting",
        ),
        (
            "(Led|Ran) financial planning (through|for) a Series (B|C) (raise|fundraise).",
            "(Built|Set up) the FP&A function (from scratch|when we were {team_size} people).",
            "(Ran|Own) budgeting for a {big_team}-person (org|organisation).",
            "(Worked|Spent years) in (investment banking|private equity|corporate development) "
            "before (joining|moving in-house).",
        ),
        (
            "(Want to|I'd like to) learn financial (modelling|modeling)[ properly].",
            "(Want to|Hoping to) get comfortable with investor (conversations|relations).",
            "(Aiming|Want) to move from (accounting|reporting) into (FP&A|strategic finance).",
            "(Want to|Need to) understand how (fundraising|valuation) (really works|works).",
        ),
        mentor_functions=("finance",),
        mentee_functions=("finance", "operations", "product"),
        related=("finance_for_non_finance", "entrepreneurship"),
    ),
    Theme(
        "finance_for_non_finance",
        ("budgeting", "P&L management", "forecasting", "variance analysis"),
        (
            "(Help|I help) (non-finance|business) leaders (read|understand) their P&L.",
            "(Run|Ran) (budget|planning) (reviews|cycles) with (every|each) department head.",
            "(Manage|Own) a (multi-million|large) (budget|cost base) and (explain|translate) it "
            "to (non-finance|business) teams.",
        ),
        (
            "(Want to|Need to) understand (budgets|my team's budget) and the P&L.",
            "(Just got|Now own) a budget (for the first time|for my team) and (feel lost|don't "
            "know where to start).",
            "(Want to|I'd like to) (speak the language of|talk credibly with) finance.",
        ),
        mentor_functions=("finance", "operations"),
        exclude_mentee_functions=("finance",),
        related=("corporate_finance", "managing_managers"),
    ),
    Theme(
        "system_design",
        (
            "system design",
            "distributed systems",
            "microservices",
            "API design",
            "software architecture",
            "performance optimization",
        ),
        (
            "(Designed|Architected) distributed systems (handling|processing) {big_number} "
            "(events|requests) a day.",
            "(Scaled|Have scaled) backend services (from|through) (startup|hypergrowth) "
            "(traffic|load)[ to {scale}].",
            "(Lead|Led) (architecture reviews|design reviews) for (our|the) platform "
            "(group|teams).",
            "(Wrote|Authored) (our|the) (service|API) (design guidelines|standards)[ and "
            "(review|reviewed) most (new services|RFCs)].",
        ),
        (
            "(Want to|Need to) get (better|stronger) at system design[ (interviews|reviews)].",
            "(Preparing for|Working towards) (a|my) (staff|senior) engineer promotion.",
            "(Want to|I'd like to) understand how to scale services (beyond|past) a single "
            "(database|box).",
            "(Want to|Hoping to) (lead|own) the technical design of a (big|larger) project.",
        ),
        mentor_functions=("engineering",),
        mentee_functions=("engineering", "data"),
        min_mentor_level=3,
        related=("cloud_reliability", "data_engineering", "frontend_craft"),
    ),
    Theme(
        "cloud_reliability",
        (
            "Kubernetes",
            "Docker",
            "Terraform",
            "AWS",
            "GCP",
            "CI/CD",
            "observability",
            "incident management",
            "site reliability engineering",
        ),
        (
            "(Run|Ran|Led) (our|the) (SRE|platform|infrastructure) team[ and the on-call "
            "rotation].",
            "(Migrated|Moved) (our|a) (monolith|data centre|legacy stack) to (the cloud|"
            "Kubernetes)[ with no downtime].",
            "(Incident commander|Led incident response) for (major|large) outages; (wrote|own) "
            "(our|the) postmortem process.",
            "(Built|Maintain) (the|our) CI/CD (pipelines|platform) (used by|for) {big_team} "
            "engineers.",
        ),
        (
            "(Want to|I'd like to) (learn|get into) (cloud infrastructure|DevOps|SRE).",
            "(Want to|Need to) (get better at|learn) (Kubernetes|Terraform|infrastructure as "
            "code).",
            "(Nervous about|New to) being on call and (want to|would like to) handle incidents "
            "(calmly|well).",
            "(Want to|Hoping to) (move|transfer) to the platform team.",
        ),
        mentor_functions=("engineering",),
        mentee_functions=("engineering", "data"),
        min_mentor_level=3,
        related=("system_design", "security_privacy", "data_engineering"),
    ),
    Theme(
        "ml_engineering",
        (
            "machine learning",
            "deep learning",
            "MLOps",
            "feature engineering",
            "NLP",
            "recommender systems",
        ),
        (
            "(Shipped|Have shipped|Deployed) machine learning models to production (serving|for) "
            "{scale}.",
            "(Built|Led) (our|the) (recommendation|ranking|search) (system|models)[ end to end].",
            "(Research|Applied) scientist (background|by training)[; {paper_count} papers on "
            "(NLP|deep learning)].",
            "(Set up|Built) (our|the) (ML platform|MLOps stack|feature store).",
        ),
        (
            "(Want to|I'd like to) (deploy|get) (ML|machine learning) models (into|to) production.",
            "(Want to|Trying to) learn (MLOps|how to run models reliably).",
            "(Want to|Hoping to) (move|grow) from (analytics|dashboards) into machine learning.",
            "(Curious about|Want to work on) (NLP|large language models|recommendation systems).",
        ),
        mentor_functions=("data", "engineering"),
        mentee_functions=("data", "engineering"),
        min_mentor_level=3,
        related=(
            "career_switch_data",
            "data_engineering",
            "analytics_experimentation",
            "digital_fluency",
        ),
    ),
    Theme(
        "data_engineering",
        ("data engineering", "Spark", "Airflow", "dbt", "data modeling", "data warehousing", "SQL"),
        (
            "(Built|Designed) (our|the) data (warehouse|platform|lake)[ (from scratch|twice)].",
            "(Own|Owned) pipelines (moving|processing) {big_number} (rows|records) a day.",
            "(Lead|Led) the (data platform|analytics engineering) team.",
        ),
        (
            "(Want to|I'd like to) (learn|get into) data engineering.",
            "(Want to|Need to) (design|model) (data|tables) (properly|that scale)[ for analytics].",
            "(Struggling|I struggle) with (flaky|slow) pipelines and (want|need) (better "
            "practices|a sounding board).",
        ),
        mentor_functions=("data", "engineering"),
        mentee_functions=("data", "engineering"),
        min_mentor_level=3,
        related=("ml_engineering", "system_design", "cloud_reliability", "career_switch_data"),
    ),
    Theme(
        "analytics_experimentation",
        ("A/B testing", "experiment design", "causal inference", "statistics", "product analytics"),
        (
            "(Run|Ran|Built) (our|the) experimentation (platform|programme)[ ({big_number} "
            "experiments a year|hundreds of tests)].",
            "(Statistician|Economist) by (training|background); (I|) (help|helped) teams "
            "(measure|prove) (impact|what works).",
            "(Review|I review) (every|most) (major|big) (A/B test|experiment) before launch.",
        ),
        (
            "(Want to|I'd like to) (run|design) (better|proper) A/B tests.",
            "(Want to|Need to) (measure|prove) the impact of (my|our) (work|features|campaigns).",
            "(Want to|Hoping to) (get better at|learn) statistics (for|in) (product|marketing) "
            "decisions.",
        ),
        mentor_functions=("data", "product"),
        mentee_functions=("data", "product", "marketing"),
        min_mentor_level=3,
        related=("career_switch_data", "ml_engineering", "growth_marketing"),
    ),
    Theme(
        "frontend_craft",
        ("React", "TypeScript", "JavaScript", "web performance", "accessibility", "CSS"),
        (
            "(Built|Lead) (our|the) web (front end|frontend|app) (used by|for) {scale}.",
            "(Care|I care) (deeply|a lot) about (accessibility|web performance|fast, "
            "accessible UIs).",
            "(Maintain|Created) (our|the) (component library|frontend platform)[ with the "
            "design team].",
        ),
        (
            "(Want to|I'd like to) get (better|much better) at (React|frontend development).",
            "(Want to|Need to) (make|get) (our|my) (app|pages) (faster|accessible).",
            "(Backend|Mostly backend) (engineer|developer) (who wants|wanting) to (learn|do) "
            "(frontend|UI work).",
        ),
        mentor_functions=("engineering", "design"),
        mentee_functions=("engineering", "design"),
        min_mentor_level=3,
        related=("design_systems", "system_design"),
    ),
    Theme(
        "security_privacy",
        ("application security", "threat modeling", "data privacy", "GDPR", "compliance"),
        (
            "(Lead|Led) (application security|product security|our security programme).",
            "(Run|Ran) (threat modeling|security reviews) for (every new service|new product "
            "launches).",
            "(Built|Own) (our|the) (privacy|data protection) programme[ (for|under) GDPR].",
        ),
        (
            "(Want to|I'd like to) (learn|get into) (security engineering|application security).",
            "(Want to|Need to) understand (data protection|privacy) (rules|law|requirements).",
            "(Curious about moving|Want to move) into (security|privacy) (work|engineering).",
        ),
        mentor_functions=("engineering", "legal"),
        mentee_functions=("engineering", "legal", "data", "product"),
        min_mentor_level=3,
        related=("cloud_reliability", "legal_compliance"),
    ),
    Theme(
        "sales_leadership",
        ("pipeline management", "sales forecasting", "people management", "coaching", "hiring"),
        (
            "(Ran|Run|Lead) a (sales team|team of account executives) that (beat|exceeded) quota "
            "(for|in) (eight|six|ten) (straight quarters|quarters in a row).",
            "(Regional|Area) sales (director|leader) (for|covering) (EMEA|the Americas|APAC)"
            "[; (built|hired) the team (from scratch|from zero)].",
            "(Went|Moved) from (closing deals|carrying a bag) to (leading|managing) "
            "(sellers|a sales team)[ {years_ago}].",
        ),
        (
            "(Want to|Hoping to) (move|step up) from account executive to sales manager.",
            "(Preparing for|Interviewing for) (a|my first) sales (leadership|management) "
            "(role|position).",
            "(Want to|I'd like to) (learn|understand) how to (coach|lead) (reps|a sales team) "
            "while still hitting (a number|targets).",
        ),
        mentor_functions=("sales",),
        mentee_functions=("sales",),
        min_mentor_level=4,
        mentee_levels=(2, 5),
        related=("people_leadership", "enterprise_sales"),
    ),
    Theme(
        "enterprise_sales",
        (
            "enterprise sales",
            "negotiation",
            "solution selling",
            "closing",
            "account management",
            "discovery calls",
            "prospecting",
        ),
        (
            "(Closed|Have closed) (seven-figure|multi-million) enterprise (deals|contracts)"
            "[ with (banks|global retailers|governments)].",
            "(Negotiate|Have negotiated) (complex|long) (deals|contracts) with procurement "
            "(teams|departments).",
            "(Top|Consistent top) (performer|seller) (for|over) {years_ago_long}[ in "
            "(enterprise|strategic) accounts].",
        ),
        (
            "(Want to|I'd like to) negotiate (better|more confidently)[ with (procurement|"
            "large customers)].",
            "(Moving|Want to move) (up|) (into|to) (enterprise|bigger) (deals|accounts).",
            "(Need help|Want help) (with|running) (discovery calls|long sales cycles|"
            "multi-threaded deals).",
        ),
        mentor_functions=("sales",),
        mentee_functions=("sales", "marketing"),
        min_mentor_level=3,
        related=("sales_leadership", "customer_success", "legal_compliance"),
    ),
    Theme(
        "customer_success",
        ("customer success", "account management", "customer retention", "customer onboarding"),
        (
            "(Built|Lead) (our|the) customer success (team|function)[ (from|since) the early "
            "days].",
            "(Cut|Reduced) churn (by|nearly) (half|a third|30%)[ (in|over) two years].",
            "(Manage|Managed) (our|the) (largest|most strategic) (customers|accounts).",
        ),
        (
            "(Want to|Need to) (reduce|understand) (churn|why customers leave).",
            "(Want to|I'd like to) (get better at|learn) (managing|handling) (difficult|"
            "big) (customers|accounts).",
            "(Moving|Want to move) from support into customer success.",
        ),
        mentor_functions=("sales", "operations"),
        mentee_functions=("sales", "operations"),
        min_mentor_level=3,
        related=("enterprise_sales", "process_improvement"),
    ),
    Theme(
        "growth_marketing",
        (
            "performance marketing",
            "SEO",
            "paid acquisition",
            "marketing analytics",
            "lifecycle marketing",
            "email marketing",
            "growth marketing",
        ),
        (
            "(Grew|Have grown) (signups|our user base|pipeline) ({growth_x}|several times "
            "over) through (paid and organic|performance) (channels|marketing).",
            "(Run|Ran) (a|our) (multi-million|large) paid (acquisition|media) budget.",
            "(Built|Lead) (our|the) growth (team|engine)[ (from scratch|from zero)].",
        ),
        (
            "(Want to|I'd like to) learn performance marketing.",
            "(Want to|Need to) (grow|improve) (our|my) (funnel|acquisition) (numbers|channels).",
            "(Want to|Hoping to) (get better at|understand) SEO and (paid|lifecycle) "
            "(channels|campaigns).",
        ),
        mentor_functions=("marketing",),
        mentee_functions=("marketing", "sales", "product"),
        min_mentor_level=3,
        related=("analytics_experimentation", "brand_storytelling", "go_to_market"),
    ),
    Theme(
        "brand_storytelling",
        (
            "brand strategy",
            "content marketing",
            "copywriting",
            "social media",
            "public relations",
            "storytelling",
        ),
        (
            "(Led|Lead) (our|a) (rebrand|brand refresh)[ (across|in) {country_count} markets].",
            "(Former|Ex-) (journalist|copywriter|editor); (now|today) (run|lead) content and "
            "(brand|PR).",
            "(Built|Grew) (our|the company's) (social|content) (presence|channels)[ to {scale}].",
        ),
        (
            "(Want to|I'd like to) (write|tell stories) (better|more compellingly).",
            "(Want to|Hoping to) (learn|understand) brand (strategy|building).",
            "(Want to|Need to) (grow|build) (our|my team's) (social media|content) "
            "(presence|programme).",
        ),
        mentor_functions=("marketing", "design"),
        mentee_functions=("marketing", "design", "sales", "hr"),
        min_mentor_level=3,
        related=("growth_marketing", "public_speaking", "go_to_market"),
    ),
    Theme(
        "go_to_market",
        ("product marketing", "go-to-market", "market research", "competitive analysis", "pricing"),
        (
            "(Launched|Have launched) (a dozen|several|many) products (into|in) new markets.",
            "(Own|Owned) (positioning|messaging) and (launch|go-to-market) (plans|strategy) "
            "for (our|the) (core|flagship) product.",
            "(Lead|Led) product marketing (for|across) (two|three) (business units|product lines).",
        ),
        (
            "(Want to|I'd like to) (plan|run) a (proper|successful) product launch.",
            "(Want to|Need to) (get better at|learn) (positioning|messaging) (and|for) "
            "(launches|new products).",
            "(Moving|Want to move) into product marketing.",
        ),
        mentor_functions=("marketing", "product"),
        mentee_functions=("marketing", "product", "sales"),
        min_mentor_level=3,
        related=("product_strategy", "growth_marketing", "brand_storytelling"),
    ),
    Theme(
        "ux_research",
        (
            "user research",
            "usability testing",
            "product discovery",
            "interaction design",
            "prototyping",
        ),
        (
            "(Run|Ran|Lead) user research (for|across) (our|the) (core|main) (product|"
            "journeys)[ for {years_ago_long}].",
            "(Built|Set up) (our|the) research (practice|ops|repository)[ from scratch].",
            "(Spend|I spend) (a lot of|much of) my (time|week) (talking to|interviewing) "
            "(customers|users).",
        ),
        (
            "(Want to|I'd like to) learn (how to run|to run) user interviews.",
            "(Want to|Need to) (test|validate) (ideas|designs) with (users|customers) "
            "(before|instead of) building.",
            "(Want to|Hoping to) (move|grow) into UX research.",
        ),
        mentor_functions=("design", "product"),
        mentee_functions=("design", "product", "marketing"),
        min_mentor_level=3,
        related=("design_systems", "product_strategy", "career_switch_product"),
    ),
    Theme(
        "design_systems",
        (
            "design systems",
            "visual design",
            "Figma",
            "typography",
            "interaction design",
            "accessibility",
        ),
        (
            "(Created|Built|Lead) (our|the) design system[ (used by|across) {big_team} "
            "(designers and engineers|product teams)].",
            "(Lead|Led) a design team (of|with) {team_size} (designers|people)[ across "
            "(brand and product|several products)].",
            "(Obsessed with|Care a lot about) (craft|typography|the details)[ and (design "
            "quality|polish)].",
        ),
        (
            "(Want to|I'd like to) (improve|level up) my visual (design|craft).",
            "(Want to|Need to) (build|maintain) a design system (for|with) (my|our) team.",
            "(Want to|Hoping to) (grow|move) into a (lead|senior) designer role.",
        ),
        mentor_functions=("design",),
        mentee_functions=("design", "engineering"),
        min_mentor_level=3,
        related=("ux_research", "frontend_craft"),
    ),
    Theme(
        "hiring_interviewing",
        ("recruiting", "interviewing", "hiring", "employer branding", "talent acquisition"),
        (
            "(Have hired|Hired) {n_hires} people[ (across|in) {country_count} countries].",
            "(Designed|Redesigned) (our|the) interview (loops|process)[ to be (fairer|more "
            "structured)].",
            "(Lead|Led) talent acquisition (for|across) (the company|engineering|our fastest "
            "growing (teams|offices)).",
        ),
        (
            "(Want to|I'd like to) (get better at|learn) (interviewing|hiring)[ (well|fairly)].",
            "(Have to|Need to) hire (my first|a few) (people|team members) and (want help|"
            "don't know how).",
            "(Want to|Hoping to) (grow|move) into (talent acquisition|recruiting) (leadership|"
            "management).",
        ),
        mentor_functions=("hr",),
        min_mentor_level=3,
        related=("people_leadership", "hr_partnering"),
    ),
    Theme(
        "hr_partnering",
        (
            "performance management",
            "employee relations",
            "compensation",
            "workforce planning",
            "HR policy",
            "change management",
        ),
        (
            "(HR business partner|People partner) to (leaders|senior leaders) (of|across) "
            "{big_team}-person (orgs|organisations).",
            "(Handled|Have handled) (difficult|sensitive) employee relations (cases|"
            "situations)[ for {years_ago_long}].",
            "(Designed|Ran) (our|the) (performance review|compensation) (process|cycle).",
        ),
        (
            "(Want to|I'd like to) (handle|deal with) (difficult conversations|employee "
            "relations cases) (better|with more confidence).",
            "(Want to|Hoping to) (become|grow into) (an HR business partner|a senior people "
            "partner).",
            "(Need help|Want help) (running|designing) (performance reviews|a fair review "
            "process).",
        ),
        mentor_functions=("hr",),
        mentee_functions=("hr", "operations"),
        min_mentor_level=3,
        related=("people_leadership", "hiring_interviewing", "managing_managers"),
    ),
    Theme(
        "process_improvement",
        (
            "process improvement",
            "lean",
            "six sigma",
            "supply chain",
            "vendor management",
            "procurement",
            "operations strategy",
        ),
        (
            "(Streamlined|Redesigned) (our|the) (fulfilment|supply chain|order-to-cash) "
            "(process|operations)[, cutting (cost|lead time) by (a third|20%)].",
            "(Six Sigma|Lean Six Sigma) black belt; (run|ran) (improvement|kaizen) "
            "(projects|programmes)[ (across|in) {country_count} sites].",
            "(Manage|Managed) (our|the) (largest|key) (vendors|suppliers) and (procurement|"
            "sourcing).",
        ),
        (
            "(Want to|I'd like to) learn (process improvement|lean methods).",
            "(Want to|Need to) (fix|simplify) (messy|slow) (processes|workflows) (in|on) "
            "(my team|our team).",
            "(Want to|Hoping to) (understand|get into) (supply chain|procurement|vendor "
            "management).",
        ),
        mentor_functions=("operations",),
        mentee_functions=("operations", "finance", "sales"),
        min_mentor_level=3,
        related=("program_management", "customer_success"),
    ),
    Theme(
        "program_management",
        (
            "program management",
            "project management",
            "risk management",
            "Jira",
            "OKRs",
            "cross-functional collaboration",
        ),
        (
            "(Run|Ran|Lead) (cross-functional|company-wide) programmes (of|with) {big_team} "
            "people[ across {country_count} time zones].",
            "(Delivered|Shipped) (large|complex) (launches|migrations) on time (with|across) "
            "(many|a dozen) teams.",
            "(Set up|Run) (our|the) (OKR|planning) process[ for the whole company].",
        ),
        (
            "(Want to|I'd like to) (manage|run) (complex|bigger) projects across (teams|"
            "departments).",
            "(Want to|Need to) (get better at|learn) (planning|risk management) (and|for) "
            "(deadlines|delivery).",
            "(Want to|Hoping to) (move|step) into (a program manager|a programme management) role.",
        ),
        mentor_functions=("operations", "engineering", "product"),
        min_mentor_level=4,
        related=("process_improvement", "executive_presence"),
    ),
    Theme(
        "legal_compliance",
        (
            "contract negotiation",
            "commercial contracts",
            "compliance",
            "regulatory affairs",
            "corporate governance",
            "intellectual property",
            "employment law",
        ),
        (
            "(Negotiated|Negotiate) (hundreds of|many) commercial contracts[ with (suppliers "
            "and customers|large partners)].",
            "(Lead|Led) (regulatory|compliance) (work|programmes) (in|across) "
            "{country_count} (jurisdictions|countries).",
            "(Former|Ex-) (law firm|private practice) (associate|lawyer); now (in-house|"
            "general counsel).",
        ),
        (
            "(Want to|I'd like to) (understand|read) (contracts|commercial terms) "
            "(better|without fear).",
            "(Want to|Need to) (learn|understand) (compliance|regulatory) (basics|requirements) "
            "for (my role|our market).",
            "(Want to|Hoping to) (move|grow) (from|out of) (law firm|private practice) "
            "(life|work) into (an in-house role|in-house).",
        ),
        mentor_functions=("legal",),
        mentee_functions=("legal", "sales", "operations", "finance"),
        min_mentor_level=2,
        related=("security_privacy", "enterprise_sales"),
    ),
    Theme(
        "entrepreneurship",
        ("entrepreneurship", "business planning", "pitching", "fundraising", "product strategy"),
        (
            "(Founded|Co-founded) (two|a couple of|a) startup[s] before (joining|coming here)"
            "[; one was acquired].",
            "(Ran|Run) (our|the) internal (venture|incubator) programme.",
            "(Angel investor|Startup adviser)[ (to|for) {country_count} (companies|startups)].",
        ),
        (
            "(Want to|Hoping to) start (a company|my own business) (someday|one day|in a few "
            "years).",
            "(Want to|I'd like to) (pitch|launch) an internal (venture|new product idea).",
            "(Want to|Need to) learn (how to pitch|pitching) (ideas|to investors).",
        ),
        min_mentor_level=4,
        mentee_levels=(2, 7),
        related=("product_strategy", "corporate_finance"),
    ),
    Theme(
        "work_life_resilience",
        ("resilience", "work-life balance", "time management", "career planning"),
        (
            "(Balance|Balancing) a demanding (role|job) with (family|young kids|caring "
            "responsibilities).",
            "(Have coached|Coached) (many|several) colleagues through (burnout|stressful "
            "periods|returning from leave).",
            "(Came back|Returned) from (parental leave|a career break) (twice|{years_ago}) "
            "and (rebuilt|grew) my career.",
        ),
        (
            "(Returning|Coming back) from (parental leave|a career break) and (want|need) "
            "(support|a plan).",
            "(Want to|Trying to) avoid burnout (while|and still) (growing|doing good work).",
            "(Struggling|I struggle) (with|to find) (work-life balance|time for everything).",
        ),
        related=("career_growth",),
    ),
    Theme(
        "career_growth",
        ("career planning", "personal branding", "networking", "stakeholder management"),
        (
            "(Have|I have) (worked in|moved across) {country_count} (functions|roles) (here|at "
            "this company)[ and know how internal moves work].",
            "(Sponsor|I sponsor) (several|a number of) people (for|towards) promotion "
            "(every year|each cycle).",
            "(Sat on|Sit on) (promotion|calibration) committees (for|over) {years_ago_long}.",
        ),
        (
            "(Want to|Trying to) (get promoted|reach the next level)[ (this year|in the next "
            "cycle)].",
            "(Not sure|Unsure) (what my next step should be|where my career is going).",
            "(Want to|I'd like to) (build|grow) my network (inside|outside) the company.",
        ),
        min_mentor_level=4,
        related=(
            "work_life_resilience",
            "executive_presence",
            "public_speaking",
            "international_career",
        ),
    ),
    Theme(
        "international_career",
        (
            "cross-cultural communication",
            "networking",
            "remote collaboration tools",
            "people management",
        ),
        (
            "(Have|I have) (lived and worked|worked) in {country_count} countries[ (for|with) "
            "this company].",
            "(Lead|Led) (distributed|global) teams (across|spanning) {country_count} time zones.",
            "(Relocated|Moved) (twice|three times) with the company[ and helped others do "
            "the same].",
        ),
        (
            "(Want to|Hoping to) (do|get) an international (assignment|transfer)[ (soon|in the "
            "next year)].",
            "(Want to|Need to) (work|collaborate) better with (colleagues|teams) in other "
            "(countries|cultures).",
            "(Thinking about|Considering) (relocating|a move abroad) with the company.",
        ),
        min_mentor_level=4,
        related=("career_growth", "people_leadership"),
    ),
    Theme(
        "digital_fluency",
        ("generative AI", "prompt engineering", "social media", "no-code tools", "data literacy"),
        (
            "(Use|I use) (AI assistants|generative AI tools) (every day|daily) and (run|ran) "
            "(workshops|lunch sessions) on (them|prompting).",
            "(Build|Built) (automations|little tools) with (no-code|low-code) (platforms|"
            "tools)[ for (my|our) team].",
            "(Digital native|Grew up online); (happy|glad) to (show|teach) (senior|more senior) "
            "colleagues (new tools|social media).",
        ),
        (
            "(Want to|I'd like to) (understand|use) (generative AI|AI tools) in my (work|"
            "role)[ without the hype].",
            "(Looking for|Want) a (reverse mentor|younger colleague) to (keep me|help me stay) "
            "(current|up to date) (on|with) (technology|social media).",
            "(Want to|Need to) (get comfortable|become fluent) with (new|modern) (digital|"
            "collaboration) tools.",
        ),
        max_mentor_level=4,
        mentee_levels=(4, 7),
        related=("ml_engineering",),
    ),
)

THEME_KEYS: tuple[str, ...] = tuple(t.key for t in THEMES)

# ---------------------------------------------------------------------------------------------
# Profile and goal scaffolding (intros, closers, add-ons) and slot values.
# ---------------------------------------------------------------------------------------------

MENTOR_INTROS: tuple[str, ...] = (
    "{title} in {department}, based in {city}.",
    "I'm {title_a} with {years} years (in|of) {dept_noun}.",
    "(Over|More than) {years} years in {dept_noun}; (currently|now) {title_a} (in|at) "
    "(our|the) {city} (office|hub).",
    "(Currently|Right now I'm) {title_a} on the {department} team.",
    "Based in {city}. {title}.",
    "I work in {department} as {title_a}[ and have been here (since the early days|for a few "
    "years)].",
    "{title}, {city} office.",
    "Hi! I'm {title_a} (here|at the company) with (a background|experience) in {dept_noun}.",
)

MENTOR_CLOSERS: tuple[str, ...] = (
    "Outside work I'm into {interest} and {interest2}.",
    "Happy to (chat|talk) about {interest} too.",
    "I prefer (short weekly check-ins|monthly deep dives|async notes between calls).",
    "I mentor because (someone did it for me early on|I learn as much as my mentees do|I enjoy "
    "seeing people grow).",
    "(Direct|Honest) feedback, (lots of|plenty of) (questions|listening).",
    "(Ask me anything|Happy to help) about {interest}.",
)

MENTEE_INTROS: tuple[str, ...] = (
    "{title} in {department}[, based in {city}].",
    "I joined as {title_a} (about|roughly|around) {years} years ago.",
    "{years} years into my career, (currently|now) {title_a}.",
    "(Working|I work) in {department} (from|out of) {city}.",
    "{title}, {city}.",
    "(Currently|Right now I'm) {title_a}[ in the {city} office].",
)

MENTEE_BACKGROUNDS: tuple[str, ...] = (
    "Before this I worked in {other_dept_noun}.",
    "(Previously|Before joining) I was in {other_dept_noun} at a (smaller|bigger) company.",
    "I (like|enjoy) {interest} outside work.",
    "(Mostly|Largely) self-taught.",
)

GOAL_SKILL_ADDONS: tuple[str, ...] = (
    "(Especially|In particular|Specifically) {skills}.",
    "(Skills|Areas) I want to (build|work on): {skills}.",
    "(I'd like to|Want to) (focus on|get better at) {skills}.",
)

GOAL_TIMELINES: tuple[str, ...] = (
    "(Ideally|Hopefully) within the next (six months|year).",
    "Before my next (review|performance review|promotion cycle).",
    "(This year|This quarter) if possible.",
)

GOAL_PREFERENCES: tuple[str, ...] = (
    "(Ideally|Preferably) someone who has (done it|been there) before.",
    "(Ideally|Preferably) someone (outside|from outside) my own team.",
    "(Would prefer|Prefer) (a|someone in a) similar time zone.",
    "(Open to|Happy with) (monthly|biweekly) (calls|sessions).",
)

SLOT_VALUES: dict[str, tuple[str, ...]] = {
    "team_size": (
        "twelve",
        "12",
        "eight",
        "fifteen",
        "20",
        "a dozen",
        "around 30",
        "six",
        "ten",
        "25",
    ),
    "big_team": ("forty", "60", "over a hundred", "80", "150", "200", "several hundred"),
    "scale": (
        "millions of users",
        "tens of millions of people",
        "a few million customers",
        "hundreds of thousands of users",
        "most of our customers",
    ),
    "big_number": ("billions of", "hundreds of millions of", "millions of", "tens of millions of"),
    "country_count": ("three", "four", "five", "six", "several", "two"),
    "n_hires": ("over 100", "about 60", "dozens of", "more than 200", "around 40"),
    "growth_x": ("5x", "threefold", "ten times", "2x in a year"),
    "paper_count": ("a few", "several", "half a dozen"),
    "years_ago": (
        "a few years ago",
        "about five years ago",
        "years ago",
        "early in my career",
        "two years ago",
    ),
    "years_ago_long": (
        "over a decade",
        "ten years",
        "many years",
        "the last eight years",
        "most of my career",
    ),
}

# ---------------------------------------------------------------------------------------------
# Feedback text, whose tone follows the outcome. Reason keys match the hidden model's factors.
# ---------------------------------------------------------------------------------------------

FEEDBACK_GREAT: tuple[str, ...] = (
    "(Really|Incredibly|Genuinely) (helpful|valuable)[ — (would recommend|highly recommended)].",
    "Great (listener|sounding board), (practical|concrete) advice.",
    "(Our|The) (monthly|biweekly) calls were the highlight of my (month|quarter).",
    "(Clear|Honest|Actionable) feedback every (session|time).",
    "(Helped|She helped|He helped) me (more than|far more than) I expected.",
    "(Exactly|Precisely) the (mentor|person) I needed (right now|at this point).",
)
FEEDBACK_OK: tuple[str, ...] = (
    "Useful overall, though we met less often than planned.",
    "Good advice; some sessions felt (generic|a bit generic).",
    "(Solid|Decent)[ and practical]; I wish we had set clearer goals.",
    "(Helpful|Fine), (if|though) (a bit|somewhat) (unstructured|informal).",
)
FEEDBACK_POOR: tuple[str, ...] = (
    "We never really clicked.",
    "(Sessions|Meetings) were often (rescheduled|cancelled).",
    "Not much (that|which) applied to my (role|situation).",
)
FEEDBACK_START: tuple[str, ...] = (
    "(Off to a good start|Good first session).",
    "(First session|Kick-off) booked.",
    "(Promising|Great) first (call|chat).",
)

#: Why a pairing failed, by the hidden factor that hurt it most.
FEEDBACK_REASONS_ENDED: dict[str, tuple[str, ...]] = {
    "timezone": (
        "Stopped after a few sessions: (time zones made it hard|we could never find a time).",
        "The time difference (was|made it) (too much|hard to keep going).",
    ),
    "language": (
        "(We struggled|It was hard) to communicate (comfortably|in a shared language).",
        "Language barrier; we (stopped|ended it) (early|after a month).",
    ),
    "load": (
        "(My mentor|The mentor) was (stretched too thin|too busy) to (keep meeting|continue).",
        "(Too many|Lots of) cancelled sessions; (they|the mentor) had too much on.",
    ),
    "fit": (
        "(Not the right|Wrong) (expertise|fit) for (my goals|what I needed).",
        "(My goals|What I needed) (turned out|was) (quite|very) different from their experience.",
    ),
    "seniority": (
        "(Felt|It felt) (more like a peer chat|too far removed from my level).",
        "(Their|The) experience (level|stage) didn't (match|fit) what I (needed|was after).",
    ),
    "other": (
        "(My goals changed|I changed roles) (and|so) we (stopped|wrapped up early).",
        "(We|It) (drifted|fizzled out) after a (few|couple of) sessions.",
    ),
}
FEEDBACK_REASONS_DECLINED: dict[str, tuple[str, ...]] = {
    "timezone": (
        "(Declined|Mentor declined): (time zones don't work|no overlap in working hours).",
    ),
    "language": ("(Declined|Mentor declined): no shared working language.",),
    "load": (
        "(Mentor is|Mentor's) at capacity this (quarter|cycle).",
        "(Declined|Mentor declined): (too busy|no time right now).",
    ),
    "fit": (
        "(Declined|Mentor declined): outside (their|my) (expertise|area).",
        "Mentee (chose|picked) another mentor.",
    ),
    "seniority": (
        "(Declined|Mentor declined): (not the right level|suggested someone more senior).",
    ),
    "other": ("No reply after (two|several) reminders.", "Mentee (withdrew|changed plans)."),
}

#: "Topics I can help with", as mentors tick them on mentoring platforms: short, mentee-side
#: words for each theme. A profile lists a few of them now and then.
THEME_TOPICS: dict[str, tuple[str, ...]] = {
    "people_leadership": (
        "becoming a manager",
        "first-time management",
        "leading a team",
        "one-on-ones",
        "giving feedback",
    ),
    "managing_managers": (
        "managing managers",
        "scaling an organisation",
        "org design",
        "senior leadership",
    ),
    "career_switch_data": (
        "moving into data",
        "learning SQL",
        "becoming an analyst",
        "data careers",
    ),
    "career_switch_product": (
        "moving into product",
        "becoming a PM",
        "product careers",
    ),
    "public_speaking": (
        "public speaking",
        "presenting with confidence",
        "conference talks",
        "presentations",
    ),
    "executive_presence": (
        "influencing without authority",
        "executive presence",
        "stakeholder buy-in",
        "senior stakeholders",
    ),
    "product_strategy": (
        "product strategy",
        "roadmaps",
        "prioritisation",
        "product vision",
    ),
    "corporate_finance": (
        "financial modelling",
        "fundraising",
        "investor relations",
        "FP&A careers",
    ),
    "finance_for_non_finance": (
        "budgets",
        "reading a P&L",
        "finance for managers",
    ),
    "system_design": (
        "system design",
        "scaling services",
        "staff engineer promotion",
        "architecture",
    ),
    "cloud_reliability": (
        "cloud infrastructure",
        "on-call and incidents",
        "Kubernetes",
        "DevOps",
    ),
    "ml_engineering": (
        "machine learning in production",
        "MLOps",
        "ML careers",
        "NLP",
    ),
    "data_engineering": (
        "data pipelines",
        "data modelling",
        "data engineering careers",
    ),
    "analytics_experimentation": (
        "A/B testing",
        "measuring impact",
        "statistics for decisions",
    ),
    "frontend_craft": (
        "frontend development",
        "React",
        "web accessibility",
        "web performance",
    ),
    "security_privacy": (
        "security careers",
        "application security",
        "privacy and GDPR",
    ),
    "sales_leadership": (
        "moving into sales management",
        "coaching sellers",
        "sales leadership",
    ),
    "enterprise_sales": (
        "enterprise deals",
        "negotiation",
        "long sales cycles",
    ),
    "customer_success": (
        "customer success",
        "reducing churn",
        "key accounts",
    ),
    "growth_marketing": (
        "growth marketing",
        "paid acquisition",
        "SEO",
        "funnels",
    ),
    "brand_storytelling": (
        "brand building",
        "writing and storytelling",
        "content and social media",
    ),
    "go_to_market": (
        "product launches",
        "positioning and messaging",
        "product marketing",
    ),
    "ux_research": (
        "user interviews",
        "UX research",
        "testing with users",
    ),
    "design_systems": (
        "design systems",
        "visual craft",
        "growing as a designer",
    ),
    "hiring_interviewing": (
        "hiring well",
        "interviewing",
        "recruiting careers",
    ),
    "hr_partnering": (
        "difficult conversations",
        "performance reviews",
        "HR business partnering",
    ),
    "process_improvement": (
        "process improvement",
        "lean",
        "supply chain",
    ),
    "program_management": (
        "running cross-team projects",
        "programme management",
        "planning and delivery",
    ),
    "legal_compliance": (
        "contracts",
        "compliance basics",
        "moving in-house",
    ),
    "entrepreneurship": (
        "starting a company",
        "pitching ideas",
        "internal ventures",
    ),
    "work_life_resilience": (
        "avoiding burnout",
        "returning from leave",
        "work-life balance",
    ),
    "career_growth": (
        "getting promoted",
        "career planning",
        "building a network",
    ),
    "international_career": (
        "relocating abroad",
        "working across cultures",
        "international assignments",
    ),
    "digital_fluency": (
        "using AI tools",
        "social media",
        "new digital tools",
    ),
}

MENTOR_TOPIC_LINES: tuple[str, ...] = (
    "(Can help with|Happy to help with|I can help with): {topics}.",
    "(Ask me about|Talk to me about) {topics}.",
    "Topics: {topics}.",
)
