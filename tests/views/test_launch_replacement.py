"""Outdated Instances > Launch Replacement: the launchContext it hands to the wizard.

Beside Horizon's ``imageId`` (the recommended build), the row's recommended flavor
(``flavorId``, which the plugin's wizard module allocates in the Flavor step) and the name of
the instance's current flavor (``currentFlavorName``, which the wizard turns into the
guidance endpoint's ``flavor_id``). Flavor ids and names are an admin's free text: they reach
the Angular expression only as escaped string literals.
"""

import json
import re
from html import unescape
from html.parser import HTMLParser

from django.urls import reverse
from openstack_dashboard import api
from openstack_dashboard.test import helpers

from patch_dashboard.content.launch import angular_string
from tests.views import data
from tests.views.helpers import TestCase

INDEX_URL = reverse("horizon:project:outdated_instances:index")
CLOUD_MOCKS = {
    api.glance: ["image_list_detailed"],
    api.nova: ["server_list", "flavor_list"],
    api.cinder: ["volume_list"],
}
WIZARD = re.compile(r"^modal\.openLaunchInstanceWizard\(\{(?P<context>.*)\}\)$")
ENTRY = re.compile(r"(\w+): '((?:[A-Za-z0-9._/-]|\\u[0-9a-f]{4})*)'(?:, |$)")


class _Links(HTMLParser):
    """The attributes of every Launch Replacement link of a page, by row (server) id."""

    def __init__(self):
        super().__init__()
        self.found = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        match = re.match(
            r"^outdated_instances__row_(.+)__action_launch_replacement$", attrs.get("id") or ""
        )
        if tag == "a" and match:
            self.found[match.group(1)] = attrs


def launch_context(ng_click: str) -> dict[str, str]:
    """The launchContext an ng-click hands to Horizon's modal, read as Angular reads it."""
    context = WIZARD.match(ng_click).group("context")
    entries = ENTRY.findall(context)
    # Nothing but key: 'literal' pairs: no other expression, no unescaped character.
    assert ", ".join("%s: '%s'" % entry for entry in entries) == context, context
    return {key: json.loads('"%s"' % literal) for key, literal in entries}


class LaunchReplacementTests(TestCase):
    def links(self, **cloud):
        self.mock_cloud(volume_list=[], **cloud)
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        parser = _Links()
        parser.feed(response.content.decode())
        return parser.found

    def context_of(self, links, server):
        return launch_context(links[data._id(f"server/{server}")]["ng-click"])

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_hands_over_the_recommended_image_and_flavor_and_the_current_flavor(self):
        # db-1 runs m1.medium, which fits Debian 12: the row keeps it, and says so.
        links = self.links(
            server_list=[
                data.nova_server("db-1", image_label="debian-old", flavor_id="flavor-medium")
            ]
        )
        self.assertEqual(
            self.context_of(links, "db-1"),
            {
                "successUrl": INDEX_URL,
                "imageId": data.image_id("debian-new"),
                "flavorId": "flavor-medium",
                "currentFlavorName": "m1.medium",
            },
        )
        link = links[data._id("server/db-1")]
        self.assertEqual(link["title"], "Recommended flavor: m1.medium")
        self.assertEqual(link["data-image-id"], data.image_id("debian-new"))
        self.assertNotIn("data-recommended-flavor", link)  # read by nothing; gone

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_an_instance_whose_flavor_is_gone_gets_the_smallest_that_fits(self):
        links = self.links(
            server_list=[data.nova_server("db-1", image_label="debian-old", flavor_id="deleted")]
        )
        # Nova names no flavor the plugin can find: no current flavor for the wizard either.
        self.assertEqual(
            self.context_of(links, "db-1"),
            {
                "successUrl": INDEX_URL,
                "imageId": data.image_id("debian-new"),
                "flavorId": "flavor-tiny",
            },
        )

    @helpers.create_mocks(CLOUD_MOCKS)
    def test_flavor_ids_and_names_of_any_text_stay_literal_values(self):
        odd_id = "x'}); alert(1); ({a: '{$ 7*7 $}\\"
        odd_name = 'm1.<b>"big"</b> {{1+1}} \u00e9\U0001f680'
        links = self.links(
            server_list=[data.nova_server("db-1", image_label="debian-old", flavor_id=odd_id)],
            flavor_list=[data.flavor(odd_id, odd_name, 4, 8192, 80)],
        )
        context = self.context_of(links, "db-1")
        self.assertEqual(context["flavorId"], odd_id)
        self.assertEqual(context["currentFlavorName"], odd_name)
        # launch_context read the whole expression as key: 'literal' pairs of plain
        # characters and \\u escapes: no quote, brace, markup or call got through.
        self.assertNotIn("alert(1)", links[data._id("server/db-1")]["ng-click"])

    def test_angular_string_escapes_all_but_plain_characters(self):
        self.assertEqual(angular_string("m1.small_2-x"), "'m1.small_2-x'")
        self.assertEqual(angular_string("a'b c"), "'a\\u0027b\\u0020c'")
        # Outside the BMP: UTF-16 surrogates, which Angular's \u escapes spell.
        self.assertEqual(angular_string("\U0001f680"), "'\\ud83d\\ude80'")
        self.assertEqual(json.loads('"%s"' % angular_string("\U0001f680")[1:-1]), "\U0001f680")
        self.assertEqual(unescape(angular_string("<&>")), angular_string("<&>"))
