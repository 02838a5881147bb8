"""The glossary and the compatibility check in the REST API (/api/v1/glossary/..., /api/v1/compare/):
serializers and thin views. Who sees a scheme is catalogue.glossary.queries; every change is a
catalogue.glossary.services call; the check itself is catalogue.glossary.compare."""

from django.db.models import Case, Count, IntegerField, Q, When
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import APIException, NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.api.views import DocumentedErrorsSchema, Pagination, run_service
from catalogue.glossary import compare as checks
from catalogue.glossary import queries, services
from catalogue.glossary.models import INVERSE, Concept, ConceptLink, ConceptScheme, ConceptVersion

MAX_QUERY_RESULTS = 200


class StaleConceptConflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = (
        "Someone else changed this concept while you were editing: fetch it again and re-apply your change."
    )
    default_code = "conflict"


def run_concept_service(function, **kwargs):
    """run_service, with a stale concept version answered 409."""
    try:
        return run_service(function, **kwargs)
    except services.StaleConcept as exc:
        raise StaleConceptConflict(str(exc)) from None


def _links_of(user, uri: str) -> list[tuple[int, str, str, str]]:
    """(link id, kind, other concept's IRI, IRI of the concept that stated it) for every link
    touching ``uri`` stated by a concept the user sees."""
    links = queries.visible_links(user).filter(Q(concept__uri=uri) | Q(target_uri=uri))
    found = []
    for link_id, subject, kind, target in links.values_list("id", "concept__uri", "kind", "target_uri"):
        if subject == uri:
            found.append((link_id, kind, target, subject))
        else:
            found.append((link_id, INVERSE[kind], subject, subject))
    return sorted(found, key=lambda row: (row[1], row[2]))


# -- serializers -------------------------------------------------------------------------------


class SchemeSerializer(serializers.ModelSerializer):
    organisation = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="api:glossary-scheme-detail", lookup_field="slug")
    concept_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ConceptScheme
        fields = ["url", "slug", "uri", "title", "description", "version", "status", "organisation", "concept_count"]
        read_only_fields = fields


class ConceptLinkSerializer(serializers.Serializer):
    """A link as seen from the concept: what it states, or what another concept states of it, inverted."""

    id = serializers.IntegerField(help_text="The stored link (DELETE /api/v1/glossary/links/<id>/ removes it).")
    kind = serializers.CharField()
    target_uri = serializers.CharField()
    stated_by = serializers.CharField(help_text="The IRI of the concept whose scheme stated the link.")


class ConceptVersionSerializer(serializers.ModelSerializer):
    changed_by = serializers.CharField(source="changed_by.username", default=None, allow_null=True)

    class Meta:
        model = ConceptVersion
        fields = [
            "version",
            "pref_label",
            "alt_labels",
            "definition",
            "scope_note",
            "source",
            "change_note",
            "changed_at",
            "changed_by",
        ]
        read_only_fields = fields


class ConceptSerializer(serializers.ModelSerializer):
    scheme = serializers.SlugRelatedField(slug_field="slug", queryset=ConceptScheme.objects.none())
    url = serializers.HyperlinkedIdentityField(view_name="api:glossary-concept-detail")
    alt_labels = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    hidden_labels = serializers.ListField(child=serializers.CharField(max_length=200), required=False)
    # A page readers follow: a web address, not any IRI.
    source_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    version = serializers.IntegerField(
        required=False,
        help_text="On a change: the version you read. If someone changed the concept since, the answer is 409.",
    )
    change_note = serializers.CharField(
        write_only=True, required=False, allow_blank=True, help_text="Why the meaning changed (kept with the version)."
    )

    class Meta:
        model = Concept
        fields = [
            "id",
            "url",
            "uri",
            "slug",
            "scheme",
            "notation",
            "pref_label",
            "alt_labels",
            "hidden_labels",
            "definition",
            "scope_note",
            "example",
            "history_note",
            "source",
            "source_url",
            "version",
            "change_note",
            "updated_at",
        ]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"uri": {"required": False}, "slug": {"required": False}}
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["scheme"].queryset = queries.visible_schemes(getattr(request, "user", None))

    def validate(self, attrs):
        if self.instance is not None:
            for fixed in ("scheme", "uri", "slug"):
                if fixed in attrs and attrs[fixed] != getattr(self.instance, fixed):
                    raise serializers.ValidationError({fixed: "A concept's scheme, URI and slug stay as they are."})
        return attrs


class ConceptDetailSerializer(ConceptSerializer):
    links = serializers.SerializerMethodField(
        help_text="Every link touching the concept, from its side: what its scheme states, and what other "
        "concepts state of it (inverted)."
    )
    versions = ConceptVersionSerializer(many=True, read_only=True)

    class Meta(ConceptSerializer.Meta):
        fields = [*ConceptSerializer.Meta.fields, "links", "versions"]

    @extend_schema_field(ConceptLinkSerializer(many=True))
    def get_links(self, concept) -> list[dict]:
        request = self.context.get("request")
        return [
            {"id": link_id, "kind": kind, "target_uri": target, "stated_by": stated_by}
            for link_id, kind, target, stated_by in _links_of(getattr(request, "user", None), concept.uri)
        ]


class LinkSerializer(serializers.ModelSerializer):
    concept = serializers.PrimaryKeyRelatedField(
        queryset=Concept.objects.none(), help_text="The id of the concept whose scheme states the link."
    )
    concept_uri = serializers.CharField(source="concept.uri", read_only=True)
    kind = serializers.ChoiceField(choices=ConceptLink.Kind.choices)
    target_uri = serializers.CharField(max_length=500)

    class Meta:
        model = ConceptLink
        fields = ["id", "concept", "concept_uri", "kind", "target_uri", "created_at"]
        read_only_fields = ["created_at"]
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["concept"].queryset = queries.visible_concepts(getattr(request, "user", None))


class ConceptRefSerializer(serializers.Serializer):
    uri = serializers.CharField()
    pref_label = serializers.CharField()
    definition = serializers.CharField()
    scheme = serializers.CharField(source="scheme_slug")
    scheme_title = serializers.CharField()
    organisation = serializers.CharField()


class ComparedFieldSerializer(serializers.Serializer):
    dataset = serializers.CharField()
    name = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField()
    code_list_uri = serializers.CharField()
    concept_uri = serializers.CharField()
    concept = ConceptRefSerializer(allow_null=True, help_text="Null when the IRI is not a concept you may see.")


class CodeListNoteSerializer(serializers.Serializer):
    left = serializers.CharField()
    right = serializers.CharField()
    verdict = serializers.ChoiceField(choices=["same", "compatible", "differ"])


class FieldPairSerializer(serializers.Serializer):
    left = ComparedFieldSerializer()
    right = ComparedFieldSerializer()
    verdict = serializers.ChoiceField(choices=["joinable", "close", "conflicting", "unlinked"])
    why = serializers.CharField()
    wider = serializers.CharField(help_text="For a close pair where one concept is wider: left or right.")
    units_differ = serializers.BooleanField()
    code_list = CodeListNoteSerializer(allow_null=True)


class OverlapSerializer(serializers.Serializer):
    shared = serializers.BooleanField()
    text = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)


class DatasetPairSerializer(serializers.Serializer):
    left = serializers.CharField(source="left.slug", help_text="The slug of the first dataset of the pair.")
    right = serializers.CharField(source="right.slug", help_text="The slug of the second dataset of the pair.")
    joinable = FieldPairSerializer(many=True)
    close = FieldPairSerializer(many=True)
    conflicting = FieldPairSerializer(many=True)
    unlinked = FieldPairSerializer(many=True)
    units_differ = FieldPairSerializer(many=True)
    code_lists_differ = FieldPairSerializer(many=True)
    temporal = OverlapSerializer()
    spatial = OverlapSerializer()


class ComparedDatasetSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    publisher = serializers.CharField(source="publisher.slug")
    page = serializers.CharField(source="get_absolute_url")
    quality_band = serializers.CharField()


class ComparisonSerializer(serializers.Serializer):
    datasets = ComparedDatasetSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    temporal = OverlapSerializer()
    spatial = OverlapSerializer()
    pairs = DatasetPairSerializer(many=True)

    def to_representation(self, comparison):
        data = super().to_representation(comparison)
        data["counts"] = comparison.counts()
        return data


# -- views --------------------------------------------------------------------------------------


class CompareView(APIView):
    """The compatibility check between 2 to 5 datasets you may see: the same answer as /compare/."""

    schema = DocumentedErrorsSchema()
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "datasets", OpenApiTypes.STR, OpenApiParameter.QUERY, True, description="2 to 5 slugs, comma separated"
            )
        ],
        responses=ComparisonSerializer,
    )
    def get(self, request):
        try:
            comparison = checks.compare(request.user, checks.parse_slugs(request.query_params.getlist("datasets")))
        except checks.CompareError as error:
            if error.status == 404:
                raise NotFound(error.message) from None
            raise serializers.ValidationError({"datasets": [error.message]}) from None
        return Response(ComparisonSerializer(comparison).data)


class SchemeViewSet(viewsets.ReadOnlyModelViewSet):
    """Glossary schemes you may see: published ones, and your organisations' drafts."""

    schema = DocumentedErrorsSchema()
    serializer_class = SchemeSerializer
    pagination_class = Pagination
    lookup_field = "slug"
    lookup_value_regex = "[a-z0-9-]+"
    filterset_fields = ["status"]

    def get_queryset(self):
        return (
            queries.visible_schemes(self.request.user).annotate(concept_count=Count("concepts")).order_by("title", "pk")
        )


class ConceptViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Concepts of the schemes you may see. Editors of the scheme's organisation create and
    change them; a change names the ``version`` it was based on (409 when it is stale)."""

    schema = DocumentedErrorsSchema()
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    pagination_class = Pagination

    def get_serializer_class(self):
        return ConceptDetailSerializer if self.action == "retrieve" else ConceptSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("scheme", OpenApiTypes.STR, description="Only the concepts of this scheme (its slug)"),
            OpenApiParameter("q", OpenApiTypes.STR, description="Words of a label or definition, best match first"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        concepts = queries.visible_concepts(self.request.user).order_by("scheme__title", "pref_label", "pk")
        if self.action == "retrieve":
            concepts = concepts.prefetch_related("versions__changed_by")
        scheme = self.request.query_params.get("scheme")
        if scheme:
            concepts = concepts.filter(scheme__slug=scheme)
        q = self.request.query_params.get("q", "")
        if q.strip():
            ranked = [m.concept.pk for m in queries.glossary_search(self.request.user, q, limit=MAX_QUERY_RESULTS)]
            rank = Case(*[When(pk=pk, then=n) for n, pk in enumerate(ranked)], output_field=IntegerField())
            concepts = concepts.filter(pk__in=ranked).order_by(rank) if ranked else concepts.none()
        return concepts

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        scheme = data.pop("scheme")
        data.pop("version", None)
        serializer.instance = run_concept_service(
            services.concept_create, user=self.request.user, scheme=scheme, **data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        for fixed in ("scheme", "uri", "slug"):
            data.pop(fixed, None)
        serializer.instance = run_concept_service(
            services.concept_update,
            user=self.request.user,
            concept=serializer.instance,
            expected_version=data.pop("version", None),
            **data,
        )

    def perform_destroy(self, instance):
        run_concept_service(services.concept_delete, user=self.request.user, concept=instance)


class LinkViewSet(
    mixins.CreateModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """Links between concepts: a match to a concept of another scheme (exactMatch, closeMatch,
    broadMatch, narrowMatch, relatedMatch) or broader, narrower, related within one. Stated
    by the concept's scheme: its editors add and remove them. Adding a link already stated
    (or its inverse, by the other side) answers 200 and changes nothing."""

    schema = DocumentedErrorsSchema()
    permission_classes = [permissions.IsAuthenticatedOrReadOnly]
    serializer_class = LinkSerializer

    def get_queryset(self):
        return queries.visible_links(self.request.user).select_related("concept__scheme").order_by("pk")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        link = run_concept_service(
            services.link_add,
            user=request.user,
            concept=data["concept"],
            kind=data["kind"],
            target_uri=data["target_uri"],
        )
        if link is None:
            return Response({"detail": "That link is already stated; nothing changed."}, status=status.HTTP_200_OK)
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        run_concept_service(services.link_remove, user=self.request.user, link=instance)
