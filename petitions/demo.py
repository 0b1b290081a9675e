"""The demo petition: the Bucheon-Bakersfield campaign asks supporters to sign (seed 000)."""

from django.utils.translation import gettext as _

from campaigns.models import Campaign

from .models import Petition

CAMPAIGN_SLUG = "bucheon-bakersfield"
TITLE = "Bakersfield: urge your Sister City Bucheon to end the dog and cat meat trade"
TITLE_KO = "베이커스필드 시장님, 자매도시 부천에 개·고양이 식용 산업 종식을 촉구해 주세요"
# The petition the seed's suggested letter points to, in its own words.
TEXT = (
    "To the Mayor of Bakersfield and the Bakersfield City Officials, and to the Mayor of "
    "Bucheon:\n\n"
    "The City of Bakersfield should not be a Sister city to any city that allows dogs and cats "
    "to be tortured and eaten. We ask you to urge the Mayor of Bucheon and the Governor of "
    "Gyeonggi-do to close down all illegal dog farms and slaughterhouses, markets, truckers, "
    "and restaurants that serve their products.\n\n"
    "The favor of your reply is requested."
)
TEXT_KO = (
    "베이커스필드 시장님과 시 관계자 여러분, 그리고 부천시장님께:\n\n"
    "개와 고양이를 학대하고 먹는 것을 허용하는 도시는 베이커스필드의 자매도시가 되어서는 "
    "안 됩니다. 부천시장과 경기도지사에게 모든 불법 개농장과 도살장, 시장, 운송업자, 그리고 "
    "그 산물을 파는 식당을 폐쇄하도록 촉구해 주시기를 요청합니다.\n\n"
    "답변을 부탁드립니다."
)
GOAL = 10000


def load():
    """Create the demo petition once; an existing one (perhaps edited) is left as it is."""
    campaign = Campaign.objects.filter(slug=CAMPAIGN_SLUG).first()
    if campaign is None:
        return False
    _petition, created = Petition.objects.get_or_create(
        campaign=campaign,
        defaults={
            "title": TITLE,
            "title_ko": TITLE_KO,
            "text": TEXT,
            "text_ko": TEXT_KO,
            "goal": GOAL,
        },
    )
    return created


def on_demo_loaded(**kwargs):
    """Receiver of ``core.signals.demo_loaded``: the petition, and a summary line."""
    created = load()
    return _("Petition: %(state)s") % {"state": _("new") if created else _("already there")}
