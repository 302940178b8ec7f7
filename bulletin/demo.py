"""Demo data modelled on the shape of a real district monthly (sections, numbering, colophon).

All article texts here are invented for the demo. `load_demo` is idempotent: every object
is found by a natural key before it is created.
"""

import calendar
import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from common.roles import APPROVER, EDITOR, HEAD, READER
from editorial.models import Article, ArticleTransition, ReviewLevel
from editorial.revisions import record_revision

from .models import Issue, IssueArticle, Publication, Section, Visibility
from .publishing import publish_back_issue

PUBLICATION = {
    "slug": "zyq-dsyb",
    "name": "中原区大事月报",
    "description": "记录中原区每月重要政务、经济、文化与民生事件的内部刊物。",
    "sponsor": "中原区人民政府",
    "publisher": "中原区地方史志办公室",
    "phone": "0371-00000000",
    "email": "dfz-demo@example.org",
    "distribution_scope": "区委常委，区人大常委会、区政府、区政协领导，区属各部门、各单位，各街道党工委、办事处，区管企事业单位",
    "confidentiality_notice": "内部资料 注意保存",
    # Invented for the demo, in the shape the rules for internal publications ask for.
    "permit_number": "演内资准字（2020）第017号",
    "printer": "中原区机关文印中心（演示）",
    "print_run": 500,
    "default_visibility": Visibility.INTERNAL,
    # The back issues are 总第95–97期; the first issue published in Bulletin is 总第98期.
    "first_serial_number": 98,
}

SECTIONS = ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]

USERS = [
    # username, full name, role, password
    ("editor", "李编辑", EDITOR, "editor-demo-2026"),
    ("editor2", "王编辑", EDITOR, "editor2-demo-2026"),
    ("approver", "赵审核", APPROVER, "approver-demo-2026"),
    ("head", "陈主任", HEAD, "head-demo-2026"),
    ("reader", "周读者", READER, "reader-demo-2026"),
]
ADMIN = ("admin", "系统管理员", "admin-demo-2026")


def _p(*paragraphs):
    return "".join(f"<p>{text}</p>" for text in paragraphs)


# (section, title, day-of-month of the event, body) per issue. As in the office's real issues,
# the issue of month M reports the events of month M−1: `{m}` in a body is the events' month.
# The texts name no season or holiday, so they read right whatever month the demo is loaded in.
# `months_ago` counts back from the issue being assembled (DemoLoader.current_month).
BACK_ISSUES = [
    {
        "months_ago": 3,
        "visibility": Visibility.PUBLIC,
        "articles": [
            ("本期焦点", "全区应急救援综合演练在西流湖畔举行", 12, _p(
                "{m}月12日，区应急管理局在西流湖公园组织开展应急救援综合演练，区消防救援大队、水利局、各街道应急队伍共300余人参加。",
                "演练模拟公园人员密集区域突发险情，检验了预警发布、人员疏散、医疗救护等环节的协同能力。",
            )),
            ("民生视点", "社区食堂试点惠及老年居民", 20, _p(
                "{m}月20日，区民政局在三个街道试点开办的社区食堂全部投入运营，为辖区六十岁以上老人提供平价午餐。",
                "试点期间，食堂每日供餐约八百份，并为行动不便的老人提供送餐上门服务。",
            )),
        ],
    },
    {
        "months_ago": 2,
        "visibility": Visibility.INTERNAL,
        "articles": [
            ("本期焦点", "区政府召开经济运行分析会", 8, _p(
                "{m}月8日，区政府召开经济运行分析会，通报主要经济指标完成情况，分析存在的问题，部署下一阶段重点工作。",
                "会议要求各部门紧盯年度目标，抓项目、稳投资、促消费，推动各项任务按进度完成。",
            )),
            ("文化亮点", "“书香中原”全民阅读月启动", 23, _p(
                "{m}月23日，“书香中原”全民阅读月活动在区图书馆启动，现场发布了二十项阅读推广活动。",
                "活动期间，全区各街道将开展读书分享会、亲子共读、好书漂流等活动。",
            )),
        ],
    },
    {
        "months_ago": 1,
        "visibility": Visibility.PUBLIC,
        "articles": [
            ("本期焦点", "数字产业园开园 首批二十家企业入驻", 17, _p(
                "{m}月17日，位于区西部的数字产业园举行开园仪式，首批二十家软件与数据服务企业签约入驻。",
                "园区将为入驻企业提供办公空间、人才公寓和政务代办服务，力争三年内聚集企业两百家。",
            )),
            ("时政要点", "区人大常委会视察老旧小区改造工作", 9, _p(
                "{m}月9日，区人大常委会组织部分代表视察老旧小区改造工作，实地查看了管网更新、加装电梯和停车设施建设情况。",
                "代表们建议，改造要充分听取居民意见，做到改一片、成一片、居民满意一片。",
            )),
            ("创文看点", "志愿服务队走进背街小巷", 14, _p(
                "{m}月14日，区文明办组织二百余名志愿者走进背街小巷，清理卫生死角，劝导不文明行为。",
            )),
            ("经济热点", "新一批重点项目集中开工", 22, _p(
                "{m}月22日，全区新一批重点项目集中开工，共涉及产业、城建、民生项目十一个，总投资约五十亿元。",
                "项目建成后将进一步完善区域功能配套，带动就业岗位约三千个。",
            )),
            ("文化亮点", "教育发展座谈会聚焦教育高质量发展", 10, _p(
                "{m}月10日，区委、区政府召开教育发展座谈会，优秀教师代表围绕减负、待遇和新校建设等话题交流发言。",
            )),
            ("民生视点", "学校食堂食品安全检查全覆盖", 3, _p(
                "区市场监管局对全区学校和幼儿园食堂开展食品安全专项检查，{m}月3日完成全覆盖检查。",
                "检查重点包括原料采购查验、食品贮存、餐具消毒和从业人员健康管理等，发现的问题已全部督促整改。",
            )),
        ],
    },
]

CURRENT_ISSUE_ARTICLES = [
    # section, title, day, body, state, placed in the issue being assembled
    ("本期焦点", "智慧政务服务中心正式启用", 6, _p(
        "{m}月6日，区智慧政务服务中心正式启用，三百余项政务服务事项实现“一窗受理、一次办结”。",
        "中心设置了自助服务区和“办不成事”反映窗口，群众办事平均等候时间缩短一半。",
    ), Article.Status.APPROVED, True),
    ("时政要点", "区委理论学习中心组开展专题学习", 4, _p(
        "{m}月4日，区委理论学习中心组召开专题学习会，围绕基层治理现代化进行交流研讨。",
    ), Article.Status.APPROVED, True),
    ("经济热点", "区发展改革委通报重点项目投资进度", 12, _p(
        "{m}月12日，区发展改革委通报重点项目投资完成情况，多数项目进度符合预期。",
    ), Article.Status.SUBMITTED, False),
    ("民生视点", "老旧供水管网改造进展顺利", 10, _p(
        "{m}月10日，区城市管理局检查了辖区老旧供水管网改造工地，已完工路段全部恢复通水。",
    ), Article.Status.RETURNED, False),
    ("文化亮点", "社区合唱节在文化馆开幕", 15, _p(
        "{m}月15日，区第三届社区合唱节在区文化馆开幕，十八支社区合唱团参加展演。",
    ), Article.Status.DRAFT, False),
]


def _month_back(year: int, month: int, months_ago: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) - months_ago
    return index // 12, index % 12 + 1


def _event_date(year: int, month: int, day: int, today: datetime.date) -> datetime.date:
    """`day` of year/month, moved back to the month's last day or to today if it lies past them."""
    return min(datetime.date(year, month, min(day, calendar.monthrange(year, month)[1])), today)


class DemoLoader:
    def __init__(self, today: datetime.date, stdout=None):
        self.today = today
        self.stdout = stdout

    def log(self, message):
        if self.stdout is not None:
            self.stdout.write(message)

    @transaction.atomic
    def run(self):
        self.users = self.load_users()
        self.publication = self.load_publication()
        self.sections = {
            name: Section.objects.update_or_create(
                publication=self.publication, name=name,
                defaults={"position": index + 1, "active": True, "required": name == "本期焦点"},
            )[0]
            for index, name in enumerate(SECTIONS)
        }
        ReviewLevel.objects.get_or_create(
            publication=self.publication, level=1,
            defaults={"name": "审核", "group": Group.objects.get(name=APPROVER)},
        )
        if self.loaded_on_another_day():
            self.log("演示期刊已按此前载入的日期生成，保持不变（要按今天的日期重新生成，请换一个新数据库再载入）。")
            self.fill_missing_deadlines()
            return
        for spec in BACK_ISSUES:
            self.load_back_issue(spec)
        self.load_current_issue()

    def current_month(self) -> tuple[int, int]:
        """The issue being assembled: the first whose publish deadline is today or later (this
        month's up to its 出版 day, else next month's)."""
        year, month = self.today.year, self.today.month
        if self.publication.schedule_for(year, month)["publish_due"] < self.today:
            year, month = _month_back(year, month, -1)
        return year, month

    def back_issue_months(self) -> dict[int, tuple[int, int]]:
        """{serial number: (year, month)} of the back issues 总第95–97期."""
        first = PUBLICATION["first_serial_number"] - len(BACK_ISSUES)
        return {
            first + index: _month_back(*self.current_month(), spec["months_ago"])
            for index, spec in enumerate(BACK_ISSUES)
        }

    def loaded_on_another_day(self) -> bool:
        """The demo's back issue numbers are taken by issues of other months: the database holds a
        demo loaded on an earlier date (or a back issue imported in its place). Its issues stay."""
        wanted = self.back_issue_months()
        taken = self.publication.issues.filter(
            status=Issue.Status.PUBLISHED, serial_number__in=wanted
        ).values_list("serial_number", "year", "month")
        return any(wanted[serial] != (year, month) for serial, year, month in taken)

    def fill_missing_deadlines(self):
        for issue in self.publication.issues.filter(status=Issue.Status.DRAFT, draft_due__isnull=True):
            Issue.objects.filter(pk=issue.pk).update(**self.publication.schedule_for(issue.year, issue.month))

    def load_users(self):
        User = get_user_model()
        users = {}
        admin_name, admin_full, admin_password = ADMIN
        admin, created = User.objects.get_or_create(
            username=admin_name, defaults={"first_name": admin_full, "is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(admin_password)
            admin.save()
        users["admin"] = admin
        for username, full_name, role, password in USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"first_name": full_name})
            if created:
                user.set_password(password)
                user.save()
            user.groups.add(Group.objects.get(name=role))
            users[username] = user
        return users

    def load_publication(self):
        fields = dict(PUBLICATION)
        slug = fields.pop("slug")
        publication, created = Publication.objects.get_or_create(slug=slug, defaults=fields)
        return publication

    def _article(self, section, title, event_date, body, status):
        editor = self.users["editor"]
        article, created = Article.objects.get_or_create(
            publication=self.publication,
            title=title,
            defaults={
                "section": self.sections[section],
                "event_date": event_date,
                "body": body.format(m=event_date.month),
                "author": editor,
                "last_edited_by": editor,
                "status": status,
            },
        )
        if created:
            record_revision(article, by=editor, note="演示数据")
            if status != Article.Status.DRAFT:
                ArticleTransition.objects.create(
                    article=article, actor=editor, action="submit",
                    from_status=Article.Status.DRAFT, to_status=Article.Status.SUBMITTED, review_level=1,
                )
            if status in (Article.Status.APPROVED, Article.Status.PUBLISHED):
                ArticleTransition.objects.create(
                    article=article, actor=self.users["approver"], action="approve",
                    from_status=Article.Status.SUBMITTED, to_status=Article.Status.APPROVED, review_level=1,
                )
            if status == Article.Status.RETURNED:
                ArticleTransition.objects.create(
                    article=article, actor=self.users["approver"], action="return",
                    from_status=Article.Status.SUBMITTED, to_status=Article.Status.RETURNED, review_level=1,
                    comment="请补充改造管网长度和完工路段名称。",
                )
            if status == Article.Status.SUBMITTED:
                article.review_level = 1
                article.save(update_fields=["review_level"])
        return article

    def _place(self, issue, articles):
        positions = {}
        for article in articles:
            position = positions.get(article.section_id, 0)
            IssueArticle.objects.get_or_create(
                issue=issue, article=article,
                defaults={"section": article.section, "position": position},
            )
            positions[article.section_id] = position + 1

    def load_back_issue(self, spec):
        year, month = _month_back(*self.current_month(), spec["months_ago"])
        schedule = self.publication.schedule_for(year, month)
        published = schedule["publish_due"]  # the 15th unless the publication's rule says otherwise
        issue, created = Issue.objects.get_or_create(
            publication=self.publication, year=year, month=month,
            defaults={
                "visibility": spec["visibility"],
                "publication_date": published,
                # Published on its day, as the schedule planned it (the calendar shows both).
                "published_at": timezone.make_aware(datetime.datetime.combine(published, datetime.time(10, 0))),
                **schedule,
            },
        )
        if issue.status == Issue.Status.PUBLISHED:
            return issue
        event_year, event_month = _month_back(year, month, 1)
        articles = [
            self._article(
                section, title, _event_date(event_year, event_month, day, self.today), body, Article.Status.APPROVED
            )
            for section, title, day, body in spec["articles"]
        ]
        self._place(issue, articles)
        issue.focus_article = articles[0]
        issue.save(update_fields=["focus_article"])
        serial = PUBLICATION["first_serial_number"] - len(BACK_ISSUES) + BACK_ISSUES.index(spec)
        # Not imported from a file: like an issue published in Bulletin it records the publication's
        # full 版记 (permit, printer, print run) as it stands now, and keeps it.
        publish_back_issue(issue, year_number=month, serial_number=serial, by=self.users["head"])
        self.log(f"已发布演示期刊：{issue}")
        return issue

    def load_current_issue(self):
        year, month = self.current_month()
        schedule = self.publication.schedule_for(year, month)
        issue, _ = Issue.objects.get_or_create(
            publication=self.publication, year=year, month=month, defaults=schedule
        )
        if issue.draft_due is None and not issue.is_frozen:  # a demo database from before deadlines
            Issue.objects.filter(pk=issue.pk).update(**schedule)
        # Its events are last month's, and none lies past today.
        event_year, event_month = _month_back(year, month, 1)
        placed = []
        for section, title, day, body, status, in_issue in CURRENT_ISSUE_ARTICLES:
            event_date = _event_date(event_year, event_month, day, self.today)
            article = self._article(section, title, event_date, body, status)
            if in_issue:
                placed.append(article)
        if issue.status == Issue.Status.DRAFT:
            self._place(issue, placed)
            if issue.focus_article_id is None and placed:
                issue.focus_article = placed[0]
                issue.save(update_fields=["focus_article"])
        return issue


def load_demo(today=None, stdout=None) -> DemoLoader:
    from django.utils import timezone

    loader = DemoLoader(today or timezone.localdate(), stdout=stdout)
    loader.run()
    return loader
