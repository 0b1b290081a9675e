"""The Bucheon-Bakersfield campaign built with the factories, for page and browser tests."""

import datetime
from types import SimpleNamespace

from campaigns.models import Campaign, SuggestedMessage
from officials.models import Contact, OfficeHolder
from tests import factories

BAKERSFIELD_POSTAL = (
    "City of Bakersfield\nMayor's Office\n1600 Truxtun Avenue\nBakersfield, CA 93301, USA"
)
BUCHEON_POSTAL_KO = "14547 경기도 부천시 원미구 길주로 210(중동)"


def bucheon_bakersfield(published=True, actions=None):
    """Gyeonggi-do > Bucheon <-> Bakersfield with both mayors (Bakersfield's changed in 2017),
    their contacts, and suggested messages; returns the objects a test needs."""
    gyeonggi = factories.korean_province("Gyeonggi-do", name_ko="경기도")
    bucheon = factories.korean_locality("Bucheon", province=gyeonggi, name_ko="부천시")
    bakersfield = factories.foreign_place("Bakersfield", country="United States")
    pairing = factories.pairing(
        bucheon,
        bakersfield,
        agreement_date=datetime.date(2006, 6, 1),
        campaign_date=datetime.date(2016, 3, 1),
    )
    bakersfield_mayor = factories.office(
        bakersfield,
        "Mayor",
        holder="Harvey L. Hall",
        term_start=datetime.date(2001, 1, 1),
        term_end=datetime.date(2016, 12, 31),
    )
    OfficeHolder.objects.create(
        office=bakersfield_mayor,
        name="Karen K. Goh",
        honorific="The Honorable",
        term_start=datetime.date(2017, 1, 1),
    )
    factories.contact(bakersfield_mayor, value="mayor@bakersfield.example.invalid")
    factories.contact(
        bakersfield_mayor, kind=Contact.Kind.PHONE, value="(661) 326-3770", verified=True
    )
    factories.contact(bakersfield_mayor, kind=Contact.Kind.POSTAL, value=BAKERSFIELD_POSTAL)
    factories.contact(bakersfield_mayor, kind=Contact.Kind.TWITTER, value=".@BKFcityfire")

    bucheon_mayor = factories.office(
        bucheon,
        "Mayor",
        holder="Man-Soo Kim",
        name_ko="김만수",
        term_start=datetime.date(2010, 7, 1),
    )
    factories.contact(bucheon_mayor, value="mayor@bucheon.example.invalid")
    factories.contact(bucheon_mayor, kind=Contact.Kind.PHONE, value="82-32-320-3000")
    factories.contact(
        bucheon_mayor,
        kind=Contact.Kind.POSTAL,
        value="Bucheon City Hall\nGiljuro 210, Wonmi-gu\nBucheon, Gyeonggi-do 14547\nSouth Korea",
        value_ko=BUCHEON_POSTAL_KO,
    )

    campaign = factories.campaign(
        pairing,
        slug="bucheon-bakersfield",
        targets=[bakersfield_mayor, bucheon_mayor],
        published=published,
        title="Sister City Campaign - Bucheon, South Korea - Bakersfield, California",
        headline="Tell Sister City Bucheon that we oppose the dog and cat meat trade.",
        intro="Bakersfield became Bucheon's sister city in 2006.\n\nPlease act today.",
        actions=actions if actions is not None else list(Campaign.Action.values),
    )
    letter = factories.message(
        campaign,
        target=bakersfield_mayor,
        subject="Sister City {korean_city}: end the dog & cat meat trade",
        body="Dear {official},\n\nPlease urge {korean_city} to close its dog farms.\n\nThank you.",
    )
    tweet = factories.message(
        campaign,
        target=bakersfield_mayor,
        kind=SuggestedMessage.Kind.TWEET,
        body=".@BKFcityfire Mayor, please urge Sister City {korean_city} to end the dog meat trade",
    )
    korean_letter = factories.message(
        campaign,
        target=bucheon_mayor,
        subject="Close the dog farms of {korean_city}",
        body="Dear Mayor {official},\n\nPlease close the illegal dog farms of {korean_city}.",
    )
    return SimpleNamespace(
        pairing=pairing,
        campaign=campaign,
        bakersfield_mayor=bakersfield_mayor,
        bucheon_mayor=bucheon_mayor,
        letter=letter,
        tweet=tweet,
        korean_letter=korean_letter,
    )
